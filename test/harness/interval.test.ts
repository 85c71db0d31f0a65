import { describe, expect, it } from 'vitest';
import { pairedRatioInterval, tQuantile975 } from '../../harness/analysis/interval.js';
import { seededRandom } from '../../harness/analysis/seeded-random.js';

describe('seededRandom', () => {
  it('is deterministic per seed and stays in [0, 1)', () => {
    const a = seededRandom(42);
    const b = seededRandom(42);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(seededRandom(43)()).not.toBe(seededRandom(42)());
  });
});

describe('tQuantile975', () => {
  it('matches the t table and tends to the normal quantile', () => {
    expect(tQuantile975(2)).toBeCloseTo(4.3027, 4);
    expect(tQuantile975(4)).toBeCloseTo(2.7764, 4);
    expect(tQuantile975(40)).toBeCloseTo(2.0211, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
    expect(() => tQuantile975(0)).toThrow(/degrees of freedom/);
  });
});

describe('pairedRatioInterval', () => {
  it('is exp(mean log ratio +/- t * sd / sqrt(n)) with the geometric mean of the ratios as estimate', () => {
    // Ratios 2, 4, 8: logs ln2 x (1, 2, 3), mean 2 ln2, sd ln2.
    const iv = pairedRatioInterval([2, 4, 8], [1, 1, 1]);
    const half = tQuantile975(2) * (Math.LN2 / Math.sqrt(3));
    expect(iv.estimate).toBeCloseTo(4, 10);
    expect(iv.low).toBeCloseTo(Math.exp(2 * Math.LN2 - half), 10);
    expect(iv.high).toBeCloseTo(Math.exp(2 * Math.LN2 + half), 10);
    expect(iv).toMatchObject({ method: 'paired-t-95', rounds: 3, call: 'none' }); // 0.97-16.5 contains 1
  });

  it('calls a difference only when the interval excludes 1, either way', () => {
    expect(pairedRatioInterval([35_000, 36_000, 34_000], [10_000, 10_100, 9_900]).call).toBe('higher');
    expect(pairedRatioInterval([10_000, 10_100, 9_900], [35_000, 36_000, 34_000]).call).toBe('lower');
    expect(pairedRatioInterval([10_500, 9_800, 10_200], [10_000, 11_000, 9_500]).call).toBe('none');
  });

  it('keeps rounds paired: drift shared by both sides does not widen the interval', () => {
    // The machine slows down 3x over the run, both servers alike; the candidate always exactly 2x.
    const base = [1000, 800, 600, 400, 333];
    const iv = pairedRatioInterval(
      base.map((x) => 2 * x),
      base,
    );
    expect(iv.low).toBeCloseTo(2, 10);
    expect(iv.high).toBeCloseTo(2, 10);
    expect(iv.call).toBe('higher');
  });

  it('calls equal rounds a tie, and leaves out pairs with a zero figure', () => {
    expect(pairedRatioInterval([5, 5, 5], [5, 5, 5])).toMatchObject({ estimate: 1, low: 1, high: 1, call: 'none' });
    expect(pairedRatioInterval([0, 4, 4, 4], [1, 2, 2, 2])).toMatchObject({ rounds: 3, estimate: 2 });
    expect(pairedRatioInterval([0], [0])).toMatchObject({ rounds: 0, method: 'none' });
  });

  it('refuses unpaired input', () => {
    expect(() => pairedRatioInterval([1, 2], [1])).toThrow(/same number of rounds/);
  });
});
