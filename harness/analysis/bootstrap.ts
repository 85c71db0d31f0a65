// A seeded, paired bootstrap interval for the ratio of two servers' medians over rounds.
//
// Round i of the candidate ran next to round i of the baseline in the interleaved schedule, so the
// rounds are resampled as pairs: drift of the machine between rounds moves both sides together and
// does not widen the interval. The statistic is the same as the point estimate shown in the table
// (median of the candidate / median of the baseline), computed on each resample. The RNG is seeded
// so the same report always prints the same interval.
import { median } from './stats.js';

/** mulberry32: a tiny, well-mixed 32-bit PRNG; enough for resampling indices. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

export interface BootstrapOptions {
  resamples?: number;
  /** Two-sided confidence, e.g. 0.95. */
  confidence?: number;
  seed?: number;
}

/**
 * Interval for statistic(candidate[], baseline[]) over paired rounds. `statistic` receives the
 * resampled candidate and baseline values (same indices). NaN resamples (a zero baseline) are
 * dropped; if none survive the interval is NaN.
 */
export function pairedBootstrap(
  candidate: readonly number[],
  baseline: readonly number[],
  statistic: (candidate: number[], baseline: number[]) => number,
  options: BootstrapOptions = {},
): Interval {
  if (candidate.length !== baseline.length || candidate.length === 0) {
    throw new Error(`paired bootstrap needs the same non-zero number of rounds on both sides (got ${candidate.length} and ${baseline.length})`);
  }
  const resamples = options.resamples ?? 4000;
  const confidence = options.confidence ?? 0.95;
  const random = seededRandom(options.seed ?? 0x5eed);
  const estimate = statistic([...candidate], [...baseline]);
  const n = candidate.length;
  const values: number[] = [];
  const c = new Array<number>(n);
  const b = new Array<number>(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) {
      const pick = Math.floor(random() * n);
      c[i] = candidate[pick]!;
      b[i] = baseline[pick]!;
    }
    const v = statistic([...c], [...b]);
    if (Number.isFinite(v)) values.push(v);
  }
  if (values.length === 0) return { estimate, low: Number.NaN, high: Number.NaN };
  values.sort((x, y) => x - y);
  const tail = (1 - confidence) / 2;
  const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))]!;
  return { estimate, low: at(tail), high: at(1 - tail) };
}

/** median(a) / median(b): the ratio the table shows. */
export function ratioOfMedians(a: number[], b: number[]): number {
  return median(a) / median(b);
}
