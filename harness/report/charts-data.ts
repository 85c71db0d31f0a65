// The numbers behind the charts, kept apart from drawing so they can be checked without pixels:
// the latency spectrum of a cell (from its rounds' merged HDR histograms when present, else from
// the summary percentiles), and the tick positions of the "1/(1-p)" percentile axis.
import * as hdr from 'hdr-histogram-js';
import type { Cell } from '../schema/report-schema.js';

/** x position of percentile p (0..1) on the spectrum axis: 1/(1-p), so p50 = 2, p99 = 100, p99.99 = 10,000. */
export function percentileToX(p: number): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`percentile must be within [0, 1), got ${p}`);
  return 1 / (1 - p);
}

/** The labelled ticks of the spectrum axis, p50 to p99.99. */
export const PERCENTILE_TICKS: readonly { x: number; label: string }[] = [
  { x: 2, label: '50%' },
  { x: 10, label: '90%' },
  { x: 100, label: '99%' },
  { x: 1000, label: '99.9%' },
  { x: 10000, label: '99.99%' },
];

export interface SpectrumPoint {
  /** 1/(1-p) */
  x: number;
  /** latency, ms */
  y: number;
}

export interface Spectrum {
  points: SpectrumPoint[];
  /** 'hdr': every round's histogram merged (smooth curve); 'summary': median of the rounds' p50..p99.99. */
  source: 'hdr' | 'summary';
}

/** All rounds' histograms added into one, or null when a round has none or one does not decode. */
export function mergedHistogram(cell: Cell): hdr.Histogram | null {
  if (cell.rounds.length === 0 || cell.rounds.some((r) => !r.histogram)) return null;
  try {
    // autoResize lets rounds with different max values merge without range errors.
    const merged = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 2, numberOfSignificantValueDigits: 3, autoResize: true });
    for (const r of cell.rounds) {
      const h = hdr.decodeFromCompressedBase64(r.histogram);
      merged.add(h);
      h.destroy();
    }
    return merged.totalCount > 0 ? merged : null;
  } catch {
    return null;
  }
}

const SAMPLES = 120;
const X_MAX = 10000;

export function spectrumOf(cell: Cell): Spectrum {
  const merged = mergedHistogram(cell);
  if (merged) {
    // Beyond x = count the percentile is just the max again: stop where the data stops resolving.
    const xMax = Math.min(X_MAX, Math.max(2, merged.totalCount));
    const points: SpectrumPoint[] = [];
    for (let i = 0; i <= SAMPLES; i++) {
      const x = 2 * (xMax / 2) ** (i / SAMPLES);
      const p = 1 - 1 / x;
      points.push({ x, y: merged.getValueAtPercentile(p * 100) / 1000 });
    }
    merged.destroy();
    return { points, source: 'hdr' };
  }
  const s = cell.summary;
  const points = [
    { x: 2, y: s.p50Us.median / 1000 },
    { x: 10, y: s.p90Us.median / 1000 },
    { x: 100, y: s.p99Us.median / 1000 },
    { x: 1000, y: s.p999Us.median / 1000 },
    { x: 10000, y: s.p9999Us.median / 1000 },
  ];
  return { points, source: 'summary' };
}
