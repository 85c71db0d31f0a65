// The improvement factor in the seed's words ("3.54x higher", "2.2x faster", "2.16x less error-prone").
// report.json carries Factor.wording written by the run; this is the one function that writes it, so the
// run (harness/compare) and the renderers (fallback when wording is empty) agree on the phrasing.
import type { Factor } from '../schema/report-schema.js';

/** "3.54", "12.3", "1.00": three significant digits, at least two decimals below 10. */
export function formatFactorNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

const WORDS: Record<'throughput' | 'latency' | 'successRate', { better: string; worse: string }> = {
  throughput: { better: 'higher', worse: 'lower' },
  latency: { better: 'faster', worse: 'slower' },
  successRate: { better: 'less error-prone', worse: 'more error-prone' },
};

function kind(metric: Factor['metric']): keyof typeof WORDS {
  if (metric === 'throughput') return 'throughput';
  if (metric === 'successRate') return 'successRate';
  return 'latency';
}

/**
 * Factor (already oriented so that > 1 means the candidate is better, as report-schema.ts defines it)
 * to words. A tie (interval includes 1) reads "tie (0.97-1.04)"; a factor below 1 is inverted so the
 * sentence stays positive: 0.5 on throughput reads "2.00x lower (1.80-2.20)".
 */
export function describeFactor(f: Pick<Factor, 'metric' | 'factor' | 'low' | 'high' | 'tie'>): string {
  if (!Number.isFinite(f.factor) || f.factor <= 0) return 'n/a';
  const interval = (a: number, b: number) =>
    Number.isFinite(a) && Number.isFinite(b) && a > 0 && b > 0 ? ` (${formatFactorNumber(a)}-${formatFactorNumber(b)})` : '';
  if (f.tie) return `tie${interval(f.low, f.high)}`;
  const words = WORDS[kind(f.metric)];
  if (f.factor >= 1) return `${formatFactorNumber(f.factor)}x ${words.better}${interval(f.low, f.high)}`;
  // Inverted: the interval flips too (1/high is the new low).
  return `${formatFactorNumber(1 / f.factor)}x ${words.worse}${interval(1 / f.high, 1 / f.low)}`;
}
