import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compareMetrics, DEFAULT_THRESHOLDS, FAILING, noiseBand } from '../../harness/gate/decision.js';
import { runGateLoop, type MeasureRequest } from '../../harness/gate/loop.js';
import { buildBaseline } from '../../harness/gate/baseline.js';
import { extractMetrics } from '../../harness/gate/metrics.js';
import type { GateBaseline } from '../../harness/gate/baseline.js';
import type { Report } from '../../harness/schema/report-schema.js';
import { steady, syntheticReport, type Rounds } from './synthetic-report.js';

const SETTINGS = { workloads: ['get' as const], concurrency: 32, durationMs: 2000, warmupMs: 500 };
const FLOOR = 40_000;
const SYNC = 10_000;
const ASYNC = 20_000;
// The baseline run: a realistic ±2% wobble between rounds.
const calm = [1, 0.98, 1.02];

function baselineFrom(report: Report): GateBaseline {
  return buildBaseline({ metrics: extractMetrics(report), reports: [report] }, SETTINGS, '2026-01-01T00:00:00.000Z');
}

const BASELINE = baselineFrom(
  syntheticReport({ get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, calm) } }),
);

function rowsFor(get: Rounds) {
  return compareMetrics(extractMetrics(syntheticReport({ get })), BASELINE, DEFAULT_THRESHOLDS);
}

function verdictOf(rows: ReturnType<typeof rowsFor>, id: string) {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`no row ${id}; rows: ${rows.map((r) => r.id).join(', ')}`);
  return row.verdict;
}

describe('gate decision on synthetic reports', () => {
  it('fails a 30% throughput drop of one server and names its metrics', () => {
    const rows = rowsFor({ floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: steady(ASYNC * 0.7, 2000, calm) });
    expect(verdictOf(rows, 'get c32 async req/s ÷ floor')).toBe('regression');
    expect(verdictOf(rows, 'get c32 async ÷ sync req/s')).toBe('regression');
    expect(verdictOf(rows, 'get c32 sync req/s ÷ floor')).toBe('ok');
    const drop = rows.find((r) => r.id === 'get c32 async req/s ÷ floor')!;
    expect(drop.change).toBeCloseTo(-0.3, 1);
  });

  it('passes a 5% wobble', () => {
    const rows = rowsFor({
      floor: steady(FLOOR, 1000, calm),
      sync: steady(SYNC * 1.05, 4000, [1.02, 1, 0.97]),
      async: steady(ASYNC * 0.95, 2000, [0.99, 1.03, 1]),
    });
    expect(rows.every((r) => r.verdict === 'ok')).toBe(true);
  });

  it("passes a drop beyond the tolerance that stays inside the run's own spread (A/A noise)", () => {
    // async's rounds disagree by ~55% among themselves: a 20% lower median is not evidence.
    const rows = rowsFor({
      floor: steady(FLOOR, 1000, calm),
      sync: steady(SYNC, 4000, calm),
      async: steady(ASYNC, 2000, [0.55, 0.8, 1.0]),
    });
    const row = rows.find((r) => r.id === 'get c32 async req/s ÷ floor')!;
    expect(row.worsening).toBeGreaterThan(DEFAULT_THRESHOLDS.tolerance);
    expect(row.band).toBeGreaterThan(row.worsening!);
    expect(row.verdict).toBe('within-noise');
    expect(rows.some((r) => r.verdict === 'regression')).toBe(false);
  });

  it("counts the baseline's own spread: a drop inside it passes even when this run is tight", () => {
    const noisyBaseline = baselineFrom(
      syntheticReport({
        get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, [0.6, 1, 1.3]), async: steady(ASYNC, 2000, calm) },
      }),
    );
    const report = syntheticReport({
      get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC * 0.75, 4000, calm), async: steady(ASYNC, 2000, calm) },
    });
    const rows = compareMetrics(extractMetrics(report), noisyBaseline, DEFAULT_THRESHOLDS);
    const row = rows.find((r) => r.id === 'get c32 sync req/s ÷ floor')!;
    expect(row.runBand).toBeLessThan(0.05);
    expect(row.band).toBeCloseTo(0.661, 3); // the baseline's spread, not this run's
    expect(row.verdict).toBe('within-noise');
    // Against a calm baseline the same run is a regression.
    expect(
      verdictOf(
        rowsFor({ floor: steady(FLOOR, 1000, calm), sync: steady(SYNC * 0.75, 4000, calm), async: steady(ASYNC, 2000, calm) }),
        'get c32 sync req/s ÷ floor',
      ),
    ).toBe('regression');
  });

  it('normalises per round: a round where the whole machine slowed down costs no noise', () => {
    // Round 2 runs at half speed for every server (a neighbour woke up): ratios are unchanged.
    const dip = [1, 0.5, 1];
    const rows = rowsFor({ floor: steady(FLOOR, 1000, dip), sync: steady(SYNC, 4000, dip), async: steady(ASYNC, 2000, dip) });
    for (const r of rows) {
      expect(r.band).toBeCloseTo(0, 6);
      expect(r.verdict).toBe('ok');
    }
  });

  it('flags a p99 that doubled with a tight band (failing only with p99Fails); a 40% rise is within the p99 tolerance', () => {
    const tail = (factor: number) => steady(ASYNC, 2000, calm).map((r) => ({ ...r, p99Us: r.p99Us * factor }));
    const doubled = rowsFor({ floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: tail(2) });
    expect(verdictOf(doubled, 'get c32 async p99 ÷ floor p99')).toBe('advisory'); // shown, does not fail by default
    const strict = compareMetrics(
      extractMetrics(syntheticReport({ get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: tail(2) } })),
      BASELINE,
      { ...DEFAULT_THRESHOLDS, p99Fails: true },
    );
    expect(verdictOf(strict, 'get c32 async p99 ÷ floor p99')).toBe('regression');
    expect(verdictOf(doubled, 'get c32 async req/s ÷ floor')).toBe('ok');
    const risen = rowsFor({ floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: tail(1.4) });
    expect(verdictOf(risen, 'get c32 async p99 ÷ floor p99')).toBe('ok');
  });

  it('sees a server that needs 30% more CPU per request even when the load driver caps its req/s', () => {
    // Driver-bound: async answers the same 20k req/s, but now uses 100% of a core instead of 70%.
    const atCpu = (cpuPct: number) => steady(ASYNC, 2000, calm).map((r) => ({ ...r, cpuPct }));
    const before = baselineFrom(
      syntheticReport({ get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: atCpu(70) } }),
    );
    const rows = compareMetrics(
      extractMetrics(syntheticReport({ get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: atCpu(100) } })),
      before,
      DEFAULT_THRESHOLDS,
    );
    expect(verdictOf(rows, 'get c32 async req/CPU-s ÷ floor')).toBe('regression');
    expect(rows.find((r) => r.id === 'get c32 async req/CPU-s ÷ floor')!.change).toBeCloseTo(-0.3, 2);
    expect(verdictOf(rows, 'get c32 async req/s ÷ floor')).toBe('ok');
  });

  it('efficiency ignores a round where the machine lent the server half a CPU (req/s and CPU use both halve)', () => {
    const stolen = (rps: number) =>
      steady(rps, 2000, calm).map((r, i) => (i === 1 ? { ...r, throughput: r.throughput / 2, cpuPct: 50 } : r));
    const report = syntheticReport({ get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: stolen(ASYNC) } });
    const efficiency = extractMetrics(report).find((m) => m.id === 'get c32 async req/CPU-s ÷ floor')!;
    const throughput = extractMetrics(report).find((m) => m.id === 'get c32 async req/s ÷ floor')!;
    expect(noiseBand(efficiency.values)).toBeLessThan(0.1);
    expect(noiseBand(throughput.values)).toBeGreaterThan(0.4);
  });

  it('leaves out of efficiency a round without a CPU reading instead of dividing by zero', () => {
    const noCpu = steady(ASYNC, 2000, calm).map((r, i) => (i === 0 ? { ...r, cpuPct: Number.NaN } : r));
    const metrics = extractMetrics(
      syntheticReport({ get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: noCpu } }),
    );
    expect(metrics.find((m) => m.id === 'get c32 async req/CPU-s ÷ floor')!.values).toHaveLength(2);
    expect(metrics.find((m) => m.id === 'get c32 async req/s ÷ floor')!.values).toHaveLength(3);
  });

  it('does not fail on req/s ÷ a floor the load driver held back; the CPU rows decide', () => {
    // The driver got slower (a busy neighbour on its CPU): the driver-bound floor's req/s fell 30%
    // while the servers, answering what they were sent, used proportionally less CPU.
    // The floor's CPU use follows its req/s (it is idle the rest of the time): same CPU per request.
    const driverBound = (rps: number, cpuPct: number) =>
      steady(rps, 1000, calm).map((r) => ({ ...r, cpuPct, verdict: 'driver-bound' as const }));
    const before = baselineFrom(
      syntheticReport({ get: { floor: driverBound(FLOOR * 0.7, 70), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, calm) } }),
    );
    const rows = compareMetrics(
      extractMetrics(
        syntheticReport({ get: { floor: driverBound(FLOOR, 100), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, calm) } }),
      ),
      before,
      DEFAULT_THRESHOLDS,
    );
    const ratio = rows.find((r) => r.id === 'get c32 async req/s ÷ floor')!;
    expect(ratio.change).toBeCloseTo(-0.3, 2);
    expect(ratio.verdict).toBe('advisory');
    expect(ratio.driverBoundYardstick).toBe(true);
    expect(ratio.undecided).toBe(false);
    expect(verdictOf(rows, 'get c32 async req/CPU-s ÷ floor')).toBe('ok');
    expect(rows.some((r) => FAILING.has(r.verdict))).toBe(false);
  });

  it('reports an improvement beyond tolerance and noise as better, never as a failure', () => {
    const rows = rowsFor({ floor: steady(FLOOR, 1000, calm), sync: steady(SYNC * 1.5, 4000, calm), async: steady(ASYNC, 2000, calm) });
    expect(verdictOf(rows, 'get c32 sync req/s ÷ floor')).toBe('better');
  });

  it('lists baseline metrics of a workload this run did not measure, without failing', () => {
    const rows = compareMetrics(
      extractMetrics(syntheticReport({ mixed: { floor: steady(FLOOR, 1000), sync: steady(SYNC, 4000), async: steady(ASYNC, 2000) } })),
      BASELINE,
      DEFAULT_THRESHOLDS,
    );
    expect(verdictOf(rows, 'get c32 async req/s ÷ floor')).toBe('not-measured');
    expect(verdictOf(rows, 'mixed c32 async req/s ÷ floor')).toBe('new');
    expect(rows.some((r) => FAILING.has(r.verdict))).toBe(false);
  });

  it('fails when a server of a measured workload left no figures (e.g. it failed pre-flight)', () => {
    const rows = compareMetrics(
      extractMetrics(syntheticReport({ get: { floor: steady(FLOOR, 1000), sync: steady(SYNC, 4000) } })),
      BASELINE,
      DEFAULT_THRESHOLDS,
    );
    expect(verdictOf(rows, 'get c32 async req/s ÷ floor')).toBe('missing');
    expect(verdictOf(rows, 'get c32 async ÷ sync req/s')).toBe('missing');
    expect(verdictOf(rows, 'get c32 sync req/s ÷ floor')).toBe('ok');
  });

  it('refuses a report without the floor server (nothing to normalise by)', () => {
    expect(() => extractMetrics(syntheticReport({ get: { sync: steady(SYNC, 4000) } }))).toThrow(/floor/);
  });

  it('machine speed does not matter: scaling every throughput by k changes no verdict', () => {
    const current: Rounds = {
      floor: steady(FLOOR, 1000, calm),
      sync: steady(SYNC * 0.9, 4000, [1, 1.05, 0.97]),
      async: steady(ASYNC * 0.6, 2000, calm),
    };
    const verdicts = rowsFor(current).map((r) => `${r.id}=${r.verdict}`);
    fc.assert(
      fc.property(fc.double({ min: 0.05, max: 20, noNaN: true }), (k) => {
        const scaled = Object.fromEntries(
          Object.entries(current).map(([s, rs]) => [s, rs!.map((r) => ({ throughput: r.throughput * k, p99Us: r.p99Us / k }))]),
        ) as Rounds;
        expect(rowsFor(scaled).map((r) => `${r.id}=${r.verdict}`)).toEqual(verdicts);
      }),
    );
  });
});

describe('noise band', () => {
  it('is the relative range of the rounds, with the extremes set aside only from eight rounds on', () => {
    expect(noiseBand([1, 1.1, 0.9])).toBeCloseTo(0.2, 6);
    expect(noiseBand([0.4, 1, 1, 1, 1])).toBeCloseTo(0.6, 6);
    expect(noiseBand([0.4, 1, 1, 1, 1, 1, 1])).toBeCloseTo(0.6, 6);
    expect(noiseBand([0.4, 1, 1, 1, 1, 1, 1, 1.5])).toBeCloseTo(0, 6);
    expect(noiseBand([5])).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('gate loop: measuring more when the run is too noisy to tell', () => {
  function scripted(responses: Report[]) {
    const requests: MeasureRequest[] = [];
    const measure = async (request: MeasureRequest) => {
      requests.push(request);
      const next = responses.shift();
      if (!next) throw new Error('measured more often than scripted');
      return next;
    };
    return { measure, requests };
  }
  const loop = (measure: (r: MeasureRequest) => Promise<Report>, maxRounds = 6) =>
    runGateLoop({
      baseline: BASELINE,
      thresholds: DEFAULT_THRESHOLDS,
      workloads: ['get', 'mixed'],
      rounds: 3,
      maxRounds,
      extraRounds: 3,
      measure,
    });

  it('a calm run is decided from the first rounds', async () => {
    const { measure, requests } = scripted([
      syntheticReport({ get: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, calm) } }),
    ]);
    const outcome = await loop(measure);
    expect(requests).toEqual([{ workloads: ['get', 'mixed'], rounds: 3 }]);
    expect(outcome.failed).toBe(false);
    expect(outcome.extensions).toEqual([]);
  });

  it('a noisy run gets more rounds of the noisy workload only, which reveal a real 30% drop', async () => {
    // Round 3 of async was disturbed: the band (43%) is too wide to see a 25% drop. With 6 rounds
    // it still counts (the range is 44%); from 8 rounds on the highest and lowest are set aside.
    const noisy = syntheticReport({
      get: { floor: steady(FLOOR, 1000, [1, 1, 1]), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, [0.7, 0.7, 0.4]) },
      mixed: { floor: steady(FLOOR, 1000, calm), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, calm) },
    });
    const more = syntheticReport(
      { get: { floor: steady(FLOOR, 1000), sync: steady(SYNC, 4000), async: steady(ASYNC, 2000, [0.7, 0.71, 0.69]) } },
      { firstRound: 4 },
    );
    const evenMore = syntheticReport(
      { get: { floor: steady(FLOOR, 1000), sync: steady(SYNC, 4000), async: steady(ASYNC, 2000, [0.7, 0.72, 0.69]) } },
      { firstRound: 7 },
    );
    const { measure, requests } = scripted([noisy, more, evenMore]);
    const outcome = await loop(measure, 9);
    expect(requests).toEqual([
      { workloads: ['get', 'mixed'], rounds: 3 },
      { workloads: ['get'], rounds: 3 },
      { workloads: ['get'], rounds: 3 },
    ]);
    const row = outcome.rows.find((r) => r.id === 'get c32 async req/s ÷ floor')!;
    expect(row.rounds).toBe(9);
    expect(row.verdict).toBe('regression');
    expect(outcome.failed).toBe(true);
  });

  it('stops at the round cap and passes, with a warning, when the noise never settles', async () => {
    const wild = (first: number) =>
      syntheticReport(
        { get: { floor: steady(FLOOR, 1000), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, [0.4, 1, 0.8]) } },
        { firstRound: first },
      );
    const { measure, requests } = scripted([wild(1), wild(4)]);
    const outcome = await runGateLoop({
      baseline: BASELINE,
      thresholds: DEFAULT_THRESHOLDS,
      workloads: ['get'],
      rounds: 3,
      maxRounds: 5,
      extraRounds: 3,
      measure,
    });
    expect(requests.map((r) => r.rounds)).toEqual([3, 2]); // capped at 5 rounds in all
    expect(outcome.failed).toBe(false);
    expect(outcome.warnings.join('\n')).toMatch(/too wide to see a 25% drop/);
  });

  it('does not start an extension that would overrun the time budget', async () => {
    let clock = 0;
    const wild = syntheticReport({
      get: { floor: steady(FLOOR, 1000), sync: steady(SYNC, 4000, calm), async: steady(ASYNC, 2000, [0.4, 1, 0.8]) },
    });
    // Every round of one workload costs 10 s of the fake clock: the first 3 rounds took 30 s,
    // 3 more would end at 60 s, past the 50 s budget.
    const measure = async (r: MeasureRequest) => {
      clock += 10_000 * r.rounds * r.workloads.length;
      return wild;
    };
    const outcome = await runGateLoop({
      baseline: BASELINE,
      thresholds: DEFAULT_THRESHOLDS,
      workloads: ['get'],
      rounds: 3,
      maxRounds: 6,
      extraRounds: 3,
      measure,
      budgetMs: 50_000,
      now: () => clock,
    });
    expect(outcome.extensions).toEqual([]);
    expect(outcome.warnings.join('\n')).toMatch(/past its 50 s budget \(about 60 s\)/);
    clock = 0;
    const roomy = await runGateLoop({
      baseline: BASELINE,
      thresholds: DEFAULT_THRESHOLDS,
      workloads: ['get'],
      rounds: 3,
      maxRounds: 6,
      extraRounds: 3,
      measure,
      budgetMs: 70_000,
      now: () => clock,
    });
    expect(roomy.extensions).toEqual([{ workloads: ['get'], rounds: 3 }]);
  });
});
