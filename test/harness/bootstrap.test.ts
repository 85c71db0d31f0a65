import { describe, expect, it } from 'vitest';
import { pairedBootstrap, ratioOfMedians, seededRandom } from '../../harness/analysis/bootstrap.js';

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

describe('pairedBootstrap', () => {
  // Synthetic rounds: the candidate is truly 3.5x the baseline, each round with +-10% noise.
  const noise = seededRandom(7);
  const baseline = Array.from({ length: 7 }, () => 10_000 * (0.9 + 0.2 * noise()));
  const candidate = Array.from({ length: 7 }, () => 35_000 * (0.9 + 0.2 * noise()));

  it('gives an interval that contains the true ratio', () => {
    const i = pairedBootstrap(candidate, baseline, ratioOfMedians);
    expect(i.low).toBeLessThanOrEqual(3.5);
    expect(i.high).toBeGreaterThanOrEqual(3.5);
    expect(i.low).toBeLessThanOrEqual(i.estimate);
    expect(i.high).toBeGreaterThanOrEqual(i.estimate);
    // ...and one that is informative: well away from 1.
    expect(i.low).toBeGreaterThan(2.5);
  });

  it('is deterministic: the same input gives the same interval', () => {
    expect(pairedBootstrap(candidate, baseline, ratioOfMedians)).toEqual(pairedBootstrap(candidate, baseline, ratioOfMedians));
  });

  it('contains 1 when both sides are the same distribution (a tie)', () => {
    const same = seededRandom(11);
    const a = Array.from({ length: 6 }, () => 1000 * (0.9 + 0.2 * same()));
    const b = Array.from({ length: 6 }, () => 1000 * (0.9 + 0.2 * same()));
    const i = pairedBootstrap(a, b, ratioOfMedians);
    expect(i.low).toBeLessThanOrEqual(1);
    expect(i.high).toBeGreaterThanOrEqual(1);
  });

  it('keeps rounds paired: drift shared by both sides does not widen the interval', () => {
    // The machine slows down 3x over the run, both servers alike; candidate always exactly 2x.
    const base = [1000, 800, 600, 400, 333];
    const cand = base.map((x) => 2 * x);
    const i = pairedBootstrap(cand, base, (c, b) => ratioOfMedians(c.map((x, k) => x / b[k]!), [1]));
    expect(i.low).toBeCloseTo(2, 10);
    expect(i.high).toBeCloseTo(2, 10);
  });

  it('refuses unpaired input', () => {
    expect(() => pairedBootstrap([1, 2], [1], ratioOfMedians)).toThrow(/same non-zero number of rounds/);
  });
});
