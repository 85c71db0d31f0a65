// The A/B gate (gate --against <ref>): this build over the base build, paired round by round.
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLDS, FAILING, type GateThresholds } from '../../harness/gate/decision.js';
import { runGateLoop } from '../../harness/gate/loop.js';
import { buildsInOrder } from '../../harness/gate/measure.js';
import { abBaseline } from '../../harness/gate/baseline.js';
import { extractAbMetrics } from '../../harness/gate/metrics.js';
import type { Report } from '../../harness/schema/report-schema.js';
import { MACHINE, steady, syntheticReport, type RoundFigures } from './synthetic-report.js';

const SETTINGS = { workloads: ['get' as const], concurrency: 8, durationMs: 1000, warmupMs: 250 };
const calm = [1, 0.98, 1.02, 1.01, 0.99];

/** One report holding this build's cells and the base build's (tagged), as abMeasure makes it. */
function abReport(self: { sync: RoundFigures[]; async: RoundFigures[] }, base: { sync: RoundFigures[]; async: RoundFigures[] }): Report {
  const mine = syntheticReport({ get: self }, { concurrency: 8 });
  const theirs = syntheticReport({ get: base }, { concurrency: 8 });
  return { ...mine, cells: [...mine.cells, ...theirs.cells.map((c) => ({ ...c, build: 'base' as const }))] };
}

async function judge(report: Report, rounds = 5, rule: GateThresholds['rule'] = DEFAULT_THRESHOLDS.rule) {
  const baseline = abBaseline(SETTINGS, ['sync', 'async'], MACHINE, '2026-01-01T00:00:00Z');
  return runGateLoop({
    baseline,
    thresholds: { ...DEFAULT_THRESHOLDS, rule },
    workloads: ['get'],
    rounds,
    maxRounds: rounds,
    extraRounds: 2,
    measure: async () => report,
    extract: extractAbMetrics,
  });
}

describe('A/B gate: this build against a base build measured in the same run', () => {
  it('fails a 25% slowdown of one server and names it; the other passes', async () => {
    const outcome = await judge(
      abReport(
        { sync: steady(10_000, 4000, calm), async: steady(15_000, 2000, calm) },
        { sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) },
      ),
    );
    const row = (id: string) => outcome.rows.find((r) => r.id === id)!;
    expect(row('get c8 async this ÷ base req/s').verdict).toBe('regression');
    expect(row('get c8 async this ÷ base req/s').now).toBeCloseTo(0.75, 2);
    expect(row('get c8 async this ÷ base req/CPU-s').verdict).toBe('regression');
    expect(row('get c8 sync this ÷ base req/s').verdict).toBe('ok');
    expect(outcome.failed).toBe(true);
  });

  it('passes when both builds drift together: a round where the machine ran at half speed costs nothing', async () => {
    const dip = [1, 0.5, 1, 1, 0.6];
    const outcome = await judge(
      abReport(
        { sync: steady(10_000, 4000, dip), async: steady(20_000, 2000, dip) },
        { sync: steady(10_000, 4000, dip), async: steady(20_000, 2000, dip) },
      ),
    );
    expect(outcome.failed).toBe(false);
    for (const r of outcome.rows.filter((x) => x.measure !== 'p99')) {
      expect(r.now).toBeCloseTo(1, 6);
      expect(r.runBand).toBeCloseTo(0, 6);
    }
  });

  it('fails a server of this build that left no figures (it did not start, or failed pre-flight)', async () => {
    const mine = syntheticReport({ get: { sync: steady(10_000, 4000, calm) } }, { concurrency: 8 });
    const theirs = syntheticReport({ get: { sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) } }, { concurrency: 8 });
    const outcome = await judge({ ...mine, cells: [...mine.cells, ...theirs.cells.map((c) => ({ ...c, build: 'base' as const }))] });
    expect(outcome.rows.filter((r) => FAILING.has(r.verdict)).map((r) => r.id)).toEqual(
      expect.arrayContaining(['get c8 async this ÷ base req/s', 'get c8 async this ÷ base req/CPU-s']),
    );
  });

  it('fails a server that waits: same req/s and CPU, p99 at the fixed probe rate tripled (never advisory)', async () => {
    const settings = { ...SETTINGS, probeRate: 2000, probeWorkload: 'get' as const };
    const openLoop = (r: Report): Report => ({
      ...r,
      cells: r.cells.map((c) => ({ ...c, rounds: c.rounds.map((x) => ({ ...x, achievedRate: 2000 })) })),
    });
    const closed = abReport(
      { sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) },
      { sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) },
    );
    const probe = openLoop(
      abReport(
        { sync: steady(2000, 300, calm), async: steady(2000, 1100, calm) },
        { sync: steady(2000, 300, calm), async: steady(2000, 350, calm) },
      ),
    );
    const baseline = abBaseline(settings, ['sync', 'async'], MACHINE, '2026-01-01T00:00:00Z');
    const outcome = await runGateLoop({
      baseline,
      thresholds: DEFAULT_THRESHOLDS,
      workloads: ['get'],
      rounds: 5,
      maxRounds: 5,
      extraRounds: 2,
      measure: async () => ({ ...closed, cells: [...closed.cells, ...probe.cells] }),
      extract: extractAbMetrics,
    });
    const row = (id: string) => outcome.rows.find((r) => r.id === id)!;
    expect(row('get c8 async this ÷ base p99 at a fixed rate').verdict).toBe('regression');
    expect(row('get c8 async this ÷ base p99 at a fixed rate').now).toBeCloseTo(1100 / 350, 2);
    expect(row('get c8 sync this ÷ base p99 at a fixed rate').verdict).toBe('ok');
    // The closed-loop rows cannot see it: the open-loop cells are kept out of them.
    expect(row('get c8 async this ÷ base req/s').now).toBeCloseTo(1, 6);
    expect(row('get c8 async this ÷ base req/CPU-s').verdict).toBe('ok');
    expect(outcome.failed).toBe(true);
  });

  it('fails closed when this build left no figures at all (both servers broken): nothing judged is not a pass', async () => {
    const theirs = syntheticReport({ get: { sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) } }, { concurrency: 8 });
    const outcome = await judge({ ...theirs, cells: theirs.cells.map((c) => ({ ...c, build: 'base' as const })) });
    expect(outcome.rows.every((r) => r.verdict === 'not-measured')).toBe(true);
    expect(outcome.failed).toBe(true);
    expect(outcome.failures).toEqual([expect.stringMatching(/^no baseline metric was measured in this run/)]);
  });

  it('judges the spread as a factor: a 20x slower server fails even though its rounds spread 0.02-0.06 of the base', async () => {
    const collapse = [0.02, 0.04, 0.06].map((f) => ({ throughput: 20_000 * f, p99Us: 2000 / f }));
    const report = abReport(
      { sync: steady(10_000, 4000, calm), async: [...collapse, ...collapse.slice(0, 2)] },
      { sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, [1, 1, 1, 1, 1]) },
    );
    const outcome = await judge(report);
    const row = outcome.rows.find((r) => r.id === 'get c8 async this ÷ base req/s')!;
    expect(row.band).toBeGreaterThan(0.96); // the relative range alone would call −96% "within noise"
    expect(row.verdict).toBe('regression');
  });

  it('under the range rule (the default with kept processes), passes the A/A run that once failed: rounds at 0.60-0.90 of the base are noise, not a −27% regression', async () => {
    const wobble = [0.6, 0.73, 0.6, 0.77, 0.9];
    const report = abReport(
      { sync: wobble.map((w) => ({ throughput: 10_000 * w, p99Us: 4000 })), async: steady(20_000, 2000, calm) },
      { sync: steady(10_000, 4000, [1, 1, 1, 1, 1]), async: steady(20_000, 2000, calm) },
    );
    const row = (await judge(report, 5, 'range')).rows.find((r) => r.id === 'get c8 sync this ÷ base req/s')!;
    expect(row.change).toBeCloseTo(-0.27, 2);
    expect(row.verdict).toBe('within-noise');
  });

  it('by default (paired-t), judges each row by the paired t-interval of its per-round ratios, not their range', async () => {
    const row = async (ratios: number[], rule: 'range' | 'paired-t' = 'paired-t') => {
      const report = abReport(
        { sync: ratios.map((w) => ({ throughput: 10_000 * w, p99Us: 4000 })), async: steady(20_000, 2000, calm) },
        { sync: steady(10_000, 4000, [1, 1, 1, 1, 1, 1, 1].slice(0, ratios.length)), async: steady(20_000, 2000, calm) },
      );
      const outcome = await judge(report, ratios.length, rule);
      return outcome.rows.find((r) => r.id === 'get c8 sync this ÷ base req/s')!;
    };
    // An A/A run measured on a quiet machine of this kind (7 rounds, sd of the log ratios 0.16):
    // its range (0.89-1.45) is wide, its interval contains 1: ok.
    const aa = await row([0.89, 1.45, 0.98, 1.13, 1.11, 1.1, 0.97]);
    expect(aa.verdict).toBe('ok');
    expect(aa.low!).toBeLessThan(1);
    expect(aa.high!).toBeGreaterThan(1);
    // A 20% loss under the same noise: every pair but one worse, the interval below 1.
    const loss = await row([0.69, 1.13, 0.76, 0.87, 0.86, 0.85, 0.76]);
    expect(loss.now).toBeCloseTo(0.836, 2);
    expect(loss.high!).toBeLessThan(1);
    expect(loss.verdict).toBe('regression');
    // The default range rule cannot see that loss: its rounds spread wider than the drop.
    expect((await row([0.69, 1.13, 0.76, 0.87, 0.86, 0.85, 0.76], 'range')).verdict).toBe('within-noise');
    // Worse than the tolerance on average, but one round says otherwise: the interval holds 1.
    const unsure = await row([0.6, 1.25, 0.7, 1.15, 0.62]);
    expect(unsure.worsening!).toBeGreaterThan(0.15);
    expect(unsure.high!).toBeGreaterThan(1);
    expect(unsure.verdict).toBe('within-noise');
    // Consistently worse, but by less than the tolerance: ok.
    expect((await row([0.92, 0.9, 0.93, 0.91, 0.92])).verdict).toBe('ok');
  });
});

describe('A/B gate: which build goes first in a round (its start and its windows)', () => {
  it('flips every round, so over an even number of rounds each build goes first as often', () => {
    const firsts = [1, 2, 3, 4, 5, 6].map((round) => buildsInOrder(round)[0]);
    expect(firsts).toEqual(['this', 'base', 'this', 'base', 'this', 'base']);
    for (const round of [1, 2, 7]) expect([...buildsInOrder(round)].sort()).toEqual(['base', 'this']);
  });
});

describe('A/B gate: a server judged on its workloads together (get and mixed)', () => {
  type Ratios = { get: number[]; mixed: number[] };
  /** Sync's rounds this ÷ base as given, per workload; async unchanged (calm in both builds). */
  async function judgeBoth(sync: Ratios) {
    const per = (ratios: number[]) => ratios.map((r) => ({ throughput: 10_000 * r, p99Us: 4000 / r }));
    const mine = syntheticReport(
      {
        get: { sync: per(sync.get), async: steady(20_000, 2000, calm) },
        mixed: { sync: per(sync.mixed), async: steady(15_000, 2000, calm) },
      },
      { concurrency: 8 },
    );
    const flat = (n: number) => Array.from({ length: n }, () => ({ throughput: 10_000, p99Us: 4000 }));
    const theirs = syntheticReport(
      {
        get: { sync: flat(sync.get.length), async: steady(20_000, 2000, calm) },
        mixed: { sync: flat(sync.mixed.length), async: steady(15_000, 2000, calm) },
      },
      { concurrency: 8 },
    );
    const report: Report = { ...mine, cells: [...mine.cells, ...theirs.cells.map((c) => ({ ...c, build: 'base' as const }))] };
    const settings = { ...SETTINGS, workloads: ['get' as const, 'mixed' as const] };
    const outcome = await runGateLoop({
      baseline: abBaseline(settings, ['sync', 'async'], MACHINE, '2026-01-01T00:00:00Z'),
      thresholds: DEFAULT_THRESHOLDS,
      workloads: settings.workloads,
      rounds: 5,
      maxRounds: 5,
      extraRounds: 2,
      measure: async () => report,
      extract: extractAbMetrics,
    });
    return { outcome, row: (id: string) => outcome.rows.find((r) => r.id === id)! };
  }

  it('passes unchanged code whose get read low in every round while mixed read high (as in a CI run)', async () => {
    const { outcome, row } = await judgeBoth({ get: [0.78, 0.82, 0.8, 0.84, 0.81], mixed: [1.05, 1.0, 1.08, 0.98, 1.06] });
    // Alone, the get row would fail: worse than 15%, its interval below 1. It is shown, advisory.
    expect(row('get c8 sync this ÷ base req/s').high!).toBeLessThan(1);
    expect(row('get c8 sync this ÷ base req/s').verdict).toBe('advisory');
    const pooled = row('get+mixed c8 sync this ÷ base req/s');
    expect(pooled.now).toBeCloseTo(
      Math.exp((Math.log(0.78 * 0.82 * 0.8 * 0.84 * 0.81) + Math.log(1.05 * 1.0 * 1.08 * 0.98 * 1.06)) / 10),
      6,
    );
    expect(pooled.verdict).toBe('ok');
    expect(outcome.failed).toBe(false);
  });

  it('fails a server slower on both workloads, on its pooled rows, and names them', async () => {
    const { outcome, row } = await judgeBoth({ get: [0.78, 0.74, 0.8, 0.77, 0.79], mixed: [0.8, 0.76, 0.72, 0.79, 0.75] });
    expect(row('get+mixed c8 sync this ÷ base req/s').verdict).toBe('regression');
    expect(row('get+mixed c8 sync this ÷ base req/CPU-s').verdict).toBe('regression');
    expect(row('get+mixed c8 async this ÷ base req/s').verdict).toBe('ok');
    expect(row('mixed c8 sync this ÷ base req/s').verdict).toBe('advisory');
    expect(outcome.failed).toBe(true);
    expect(outcome.rows.filter((r) => FAILING.has(r.verdict)).every((r) => r.pooled !== undefined)).toBe(true);
  });

  it('pairs the workloads round by round: a round one workload lacks is left out of the pooled row', async () => {
    const { row } = await judgeBoth({ get: [0.9, 0.9, 0.9, 0.9, 0.9], mixed: [1, 1, 1, 1] });
    expect(row('get+mixed c8 sync this ÷ base req/s').rounds).toBe(4);
    expect(row('get+mixed c8 sync this ÷ base req/s').now).toBeCloseTo(Math.sqrt(0.9), 6);
  });
});
