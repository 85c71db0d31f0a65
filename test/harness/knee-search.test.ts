// The knee search's decision rules (harness/analysis/knee.ts) against synthetic servers: a fake
// measureAt that saturates at a known rate. The knee found must lie below the true one and within
// the refinement's tolerance of it.
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_KNEE_RULE,
  distinctRates,
  expectedSteps,
  findKnee,
  judgeStep,
  tableRates,
  tableSchedule,
  type KneeRule,
  type StepFigures,
} from '../../harness/analysis/knee.js';
import { seededRandom } from '../../harness/analysis/seeded-random.js';

/** A server that answers everything up to `capacity` req/s with p99 `baseP99Us`; past it, it
 *  answers `capacity` and its queue grows for the whole step, so p99 is seconds. */
function saturating(capacity: number, baseP99Us = 2000) {
  const calls: number[] = [];
  const measureAt = async (rate: number): Promise<StepFigures> => {
    calls.push(rate);
    const achieved = Math.min(rate, capacity);
    const queued = rate > capacity ? 2_000_000 : 0;
    return {
      offered: rate,
      achieved,
      p50Us: baseP99Us / 4,
      p99Us: baseP99Us + queued,
      p999Us: baseP99Us * 2 + queued,
      successRate: 1,
      requests: Math.round(achieved * 2),
    };
  };
  return { measureAt, calls };
}

/** The bracket left after growth x g and n bisections, relative to the knee: (g - 1) / 2^n. */
const tolerance = (rule: KneeRule) => (rule.growth - 1) / 2 ** rule.refineSteps;

describe('judgeStep', () => {
  const rule = { minAchievedFraction: 0.95, p99BoundUs: 50_000 };
  const f: StepFigures = { offered: 1000, achieved: 1000, p50Us: 500, p99Us: 2000, p999Us: 3000, successRate: 1, requests: 2000 };
  it('keeps up when achieved, p99 and errors are all within the rule', () => {
    expect(judgeStep(f, rule)).toEqual({ ok: true, reasons: [] });
    expect(judgeStep({ ...f, achieved: 950 }, rule).ok).toBe(true);
  });
  it('names every reason it does not', () => {
    const j = judgeStep({ ...f, achieved: 900, p99Us: 60_000, successRate: 0.99 }, rule);
    expect(j.ok).toBe(false);
    expect(j.reasons).toHaveLength(3);
    expect(j.reasons.join(' ')).toMatch(/achieved 900 < 95%.*p99 60\.0 ms > 50\.0 ms.*1\.0% errors/);
  });
  it('a step without a single latency (p99 infinite) or request does not keep up', () => {
    expect(judgeStep({ ...f, p99Us: Number.POSITIVE_INFINITY }, rule).ok).toBe(false);
    expect(judgeStep({ ...f, requests: 0 }, rule).reasons).toContain('no requests');
  });
});

describe('findKnee on a saturating server', () => {
  it('finds a knee at or below the capacity, within the tolerance of the refinement', async () => {
    const server = saturating(7300);
    const found = await findKnee(server.measureAt, DEFAULT_KNEE_RULE);
    expect(found.knee).not.toBeNull();
    expect(found.knee!.offered).toBeLessThanOrEqual(7300);
    expect(found.knee!.offered).toBeGreaterThanOrEqual(7300 * (1 - tolerance(DEFAULT_KNEE_RULE)));
    expect(found.firstBad!.offered).toBeGreaterThan(7300);
    expect(found.capped).toBe(false);
    // Growth x1.5 from 1000 until past 7300, then exactly 3 bisections.
    expect(found.steps.filter((s) => s.phase === 'grow' && !s.retry).map((s) => s.offered)).toEqual([1000, 1500, 2250, 3375, 5063, 7595]);
    expect(found.steps.filter((s) => s.phase === 'refine' && !s.retry)).toHaveLength(3);
    // Every failed step was measured once more at the same rate (and failed again).
    for (const [i, st] of found.steps.entries())
      if (!st.ok && !st.retry) expect(found.steps[i + 1]).toMatchObject({ offered: st.offered, retry: true, ok: false });
    expect(server.calls).toEqual(found.steps.map((s) => s.offered));
  });

  it('holds for many capacities and rules (seeded)', async () => {
    const random = seededRandom(42);
    for (let i = 0; i < 200; i++) {
      const capacity = Math.round(300 + random() * 100_000);
      const rule: KneeRule = {
        ...DEFAULT_KNEE_RULE,
        startRate: 200,
        growth: random() < 0.5 ? 1.5 : 2,
        refineSteps: 2 + Math.floor(random() * 3),
      };
      const found = await findKnee(saturating(capacity).measureAt, rule);
      expect(found.knee!.offered).toBeLessThanOrEqual(capacity);
      // Whole req/s: one more of rounding on top of the bracket.
      expect(capacity - found.knee!.offered).toBeLessThanOrEqual(tolerance(rule) * found.knee!.offered + 1);
      expect(found.firstBad!.offered).toBeGreaterThan(capacity);
    }
  });

  it('stops at the p99 bound when latency goes first (throughput still keeping up)', async () => {
    // Achieved always equals offered, but p99 grows linearly: 10 ms per 1000 req/s, bound 50 ms.
    const measureAt = async (rate: number): Promise<StepFigures> => ({
      offered: rate,
      achieved: rate,
      p50Us: 1000,
      p99Us: rate * 10,
      p999Us: rate * 20,
      successRate: 1,
      requests: rate,
    });
    const found = await findKnee(measureAt, DEFAULT_KNEE_RULE);
    expect(found.knee!.offered).toBeLessThanOrEqual(5000);
    expect(found.knee!.offered).toBeGreaterThanOrEqual(5000 * (1 - tolerance(DEFAULT_KNEE_RULE)));
    expect(found.firstBad!.reasons.join()).toMatch(/p99/);
  });

  it('stops when errors appear', async () => {
    const measureAt = async (rate: number): Promise<StepFigures> => ({
      offered: rate,
      achieved: rate,
      p50Us: 1000,
      p99Us: 2000,
      p999Us: 3000,
      successRate: rate > 4000 ? 0.999 : 1,
      requests: rate,
    });
    const found = await findKnee(measureAt, DEFAULT_KNEE_RULE);
    expect(found.knee!.offered).toBeLessThanOrEqual(4000);
    expect(found.firstBad!.reasons.join()).toMatch(/errors/);
  });

  it('a one-off stall (a step failing once, below the capacity) is repeated and does not end the growth', async () => {
    const server = saturating(7300);
    let stalled = false;
    const flaky = async (rate: number) => {
      const f = await server.measureAt(rate);
      if (rate === 2250 && !stalled) {
        stalled = true;
        return { ...f, p99Us: 300_000 };
      }
      return f;
    };
    const found = await findKnee(flaky, DEFAULT_KNEE_RULE);
    expect(found.steps.filter((s) => s.offered === 2250).map((s) => [s.ok, s.retry === true])).toEqual([
      [false, false],
      [true, true],
    ]);
    expect(found.knee!.offered).toBeGreaterThanOrEqual(7300 * (1 - tolerance(DEFAULT_KNEE_RULE)));
    // Without retries the same stall ends the search at 1,500.
    stalled = false;
    const fragile = await findKnee(flaky, { ...DEFAULT_KNEE_RULE, retries: 0 });
    expect(fragile.knee!.offered).toBeLessThan(2250);
  });

  it('no knee when the first step does not keep up', async () => {
    const found = await findKnee(saturating(500).measureAt, DEFAULT_KNEE_RULE);
    expect(found.knee).toBeNull();
    expect(found.steps.map((s) => s.retry === true)).toEqual([false, true]);
    expect(found.firstBad!.offered).toBe(1000);
  });

  it('capped when every step up to maxRate keeps up', async () => {
    const found = await findKnee(saturating(1e9).measureAt, { ...DEFAULT_KNEE_RULE, maxRate: 5000 });
    expect(found.capped).toBe(true);
    expect(found.knee!.offered).toBe(3375);
    expect(found.firstBad).toBeNull();
  });

  it('refuses a rule that cannot terminate or makes no sense', async () => {
    const m = saturating(1000).measureAt;
    await expect(findKnee(m, { ...DEFAULT_KNEE_RULE, growth: 1 })).rejects.toThrow(/growth/);
    await expect(findKnee(m, { ...DEFAULT_KNEE_RULE, startRate: 0 })).rejects.toThrow(/start rate/);
    await expect(findKnee(m, { ...DEFAULT_KNEE_RULE, maxRate: 10 })).rejects.toThrow(/max rate/);
    await expect(findKnee(m, { ...DEFAULT_KNEE_RULE, retries: -1 })).rejects.toThrow(/retries/);
  });

  it('expectedSteps counts growth to the knee, one past it, and the bisections', () => {
    expect(expectedSteps(DEFAULT_KNEE_RULE, 7300)).toBe(6 + 3 + 3);
    expect(expectedSteps({ ...DEFAULT_KNEE_RULE, retries: 0 }, 7300)).toBe(6 + 3);
    expect(expectedSteps({ ...DEFAULT_KNEE_RULE, retries: 0 }, 100)).toBe(1 + 3);
  });
});

describe('table rates', () => {
  const knees = [
    { server: 'sync', knee: 2000 },
    { server: 'async', knee: 10_000 },
    { server: 'reference', knee: null },
  ];
  it('own: fractions of each knee; equal: fractions of the smallest; a server without a knee in neither', () => {
    const points = tableRates(knees, [0.5, 0.9]);
    expect(points.filter((p) => p.basis === 'own').map((p) => [p.server, p.rate])).toEqual([
      ['sync', 1000],
      ['async', 5000],
      ['sync', 1800],
      ['async', 9000],
    ]);
    expect(points.filter((p) => p.basis === 'equal').map((p) => [p.server, p.rate])).toEqual([
      ['sync', 1000],
      ['async', 1000],
      ['sync', 1800],
      ['async', 1800],
    ]);
    expect(points.some((p) => p.server === 'reference')).toBe(false);
    expect(tableRates([{ server: 'x', knee: null }], [0.5])).toEqual([]);
  });
  it('the slowest server is measured once per rate; rounds interleave servers and reverse their order', () => {
    const points = tableRates(knees, [0.5, 0.9]);
    expect(distinctRates(points)).toHaveLength(6);
    const order = tableSchedule(points, ['sync', 'async'], 2);
    expect(order).toHaveLength(12);
    expect(order.slice(0, 6).map((o) => `${o.server}@${o.rate}`)).toEqual([
      'sync@1000',
      'async@1000',
      'sync@1800',
      'async@1800',
      'async@5000',
      'async@9000',
    ]);
    expect(order.slice(6, 8).map((o) => `${o.round}:${o.server}@${o.rate}`)).toEqual(['2:async@1000', '2:sync@1000']);
  });
});
