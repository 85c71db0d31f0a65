// The scheduler, the warm-up rule, the summaries, the ceiling and the verdicts, driven through
// runComparison with the fake server lifecycle: no process is started.
import { describe, expect, it } from 'vitest';
import { runComparison } from '../../../harness/run/compare.js';
import { FakeServers, type FakeModel } from '../../../harness/run/fake-servers.js';
import { DEFAULT_COMPARE_SETTINGS, type CompareSettings } from '../../../harness/run/settings.js';
import type { CpuPlan } from '../../../harness/system/pinning.js';
import { buildModel } from '../../../harness/report/model.js';
import { must } from '../../../harness/must.js';

const plan: CpuPlan = { pinned: false, driverCpus: [], serverCpus: [], driverProcesses: 1 };
const steady = { sliceMs: 1000, tolerance: 0.1, maxMs: 8000 };
const settings = (over: Partial<CompareSettings> = {}): CompareSettings => ({
  ...DEFAULT_COMPARE_SETTINGS,
  durationMs: 5000,
  warmupMs: 1000,
  rounds: 3,
  steady,
  ...over,
});

/** sync settles from 300 to 100 µs/request over four loads; async is steady from the start; the
 *  floor (the ceiling) pushes 40-44k req/s depending on the round. */
const model: FakeModel = (server, i) => {
  if (server === 'sync') return { throughput: 10_000, cpuPerRequestUs: [300, 200, 150, 100][i] ?? 100 };
  if (server === 'async') return { throughput: 35_000, cpuPerRequestUs: 28 };
  return { throughput: 40_000 + 2000 * (i % 3), cpuPerRequestUs: 10, driverCpuPct: 95 };
};

async function run(fake: FakeServers, over: Partial<CompareSettings> = {}, progress: (l: string) => void = () => {}) {
  return runComparison(settings(over), progress, { lifecycle: fake, plan, now: () => fake.clock });
}

describe('a compare run on fake servers', () => {
  it('pre-flights, then acquires, warms, measures and releases each server in the rotated order', async () => {
    const fake = new FakeServers(model, steady);
    const report = await run(fake, { rounds: 2, measureDriverCeiling: false });
    const acquired = fake.calls.filter((c) => /^(preflight|acquire)/.test(c));
    expect(acquired).toEqual([
      'preflight sync',
      'preflight async',
      'acquire sync c=50',
      'acquire async c=50',
      'acquire async c=50',
      'acquire sync c=50',
    ]);
    // A fresh sync server: six 1 s slices (300, 200, 150, 100, 100, 100) before its 5 s window.
    const firstSync = fake.calls.slice(fake.calls.indexOf('acquire sync c=50'), fake.calls.indexOf('release sync') + 1);
    expect(firstSync).toEqual(['acquire sync c=50', 'load sync get 6×1000ms', 'load sync get 5000ms', 'release sync']);
    expect(report.preflight.map((p) => p.ok)).toEqual([true, true]);
    expect(report.cells.map((c) => c.server)).toEqual(['sync', 'async']);
  });

  it("reports each round's warm-up: how long it took and the CPU per request it settled at", async () => {
    const fake = new FakeServers(model, steady);
    const report = await run(fake, { measureDriverCeiling: false });
    const sync = report.cells.find((c) => c.server === 'sync')!;
    for (const r of sync.rounds)
      expect(r.warmup).toEqual({ elapsedMs: 6000, steady: true, cpuPerRequestUs: [300, 200, 150, 100, 100, 100], settledUs: 100 });
    const async = report.cells.find((c) => c.server === 'async')!;
    expect(async.rounds[0]?.warmup).toMatchObject({ elapsedMs: 3000, steady: true, settledUs: 28 });
    expect(sync.verdict).toBe('ok');
    expect(report.setup.steadyWarmup).toEqual(steady);
    expect(fake.warmups).toHaveLength(6);
  });

  it("shows each server's warm-up in the report's setup: its length, the CPU per request it settled at, rounds not steady", async () => {
    const late: FakeModel = (server, i) =>
      server === 'sync' ? { throughput: 8000, cpuPerRequestUs: i % 2 ? 400 : 150 } : model(server, i, 50);
    const steadyRun = await run(new FakeServers(model, steady), { measureDriverCeiling: false });
    const line = (r: typeof steadyRun) => buildModel(r).setup.find(([k]) => k === 'Warm-up until steady')?.[1];
    expect(line(steadyRun)).toBe('sync 6.0 s, settled at 100 µs CPU/request; async 3.0 s, settled at 28 µs CPU/request');
    const capped = await run(new FakeServers(late, steady), { measureDriverCeiling: false });
    expect(line(capped)).toBe('sync 8.0 s, not steady in 3 of 3; async 3.0 s, settled at 28 µs CPU/request');
  });

  it('records a sync server started without its warm start (--no-prewarm) in the setup, and shows it', async () => {
    const cold = await run(new FakeServers(model, steady), { measureDriverCeiling: false, rounds: 1, syncPrewarm: false });
    expect(cold.setup.syncPrewarm).toBe(false);
    expect(buildModel(cold).setup.find(([k]) => k === 'Sync warm start')?.[1]).toMatch(/^off \(--no-prewarm\): the cold model/);
    const warm = await run(new FakeServers(model, steady), { measureDriverCeiling: false, rounds: 1 });
    expect(warm.setup).not.toHaveProperty('syncPrewarm');
    expect(buildModel(warm).setup.some(([k]) => k === 'Sync warm start')).toBe(false);
  });

  it('with the warm-up turned off, warns once for every server, each round a fresh process', async () => {
    const off = { ...steady, maxMs: 0 };
    const report = await run(new FakeServers(model, off), { measureDriverCeiling: false, rounds: 2, steady: off });
    const turnedOff = report.warnings.filter((w) => w.includes('(turned off)'));
    expect(turnedOff).toEqual([
      'sync c=50 was not warmed up until steady (turned off): every round, a fresh process, includes its JIT warm-up.',
      'async c=50 was not warmed up until steady (turned off): every round, a fresh process, includes its JIT warm-up.',
    ]);
  });

  it('marks a round not steady when the warm-up hits its cap, and says so', async () => {
    // Slices swinging by more than 2x never count as steady, even with no downward trend.
    const jumpy: FakeModel = (server, i) =>
      server === 'sync' ? { throughput: 8000, cpuPerRequestUs: i % 2 ? 400 : 150 } : model(server, i, 50);
    const fake = new FakeServers(jumpy, steady);
    const report = await run(fake, { rounds: 2, measureDriverCeiling: false });
    const sync = report.cells.find((c) => c.server === 'sync')!;
    expect(sync.rounds.map((r) => r.warmup?.steady)).toEqual([false, false]);
    expect(sync.rounds[0]?.warmup?.cpuPerRequestUs).toHaveLength(8); // 8 slices of 1 s = the 8 s cap
    const firstWarmup = must(sync.rounds[0]?.warmup, "the first round's warm-up");
    expect(firstWarmup.settledUs).toBeUndefined();
    expect(sync.notSteadyRounds).toEqual([1, 2]);
    expect(sync.verdict).toBe('suspect');
    expect(sync.verdictReasons.join()).toMatch(/not steady: rounds 1, 2 hit the warm-up cap/);
    expect(report.warnings.join('\n')).toMatch(/sync get c=50 is suspect: not steady/);
    expect(report.cells.find((c) => c.server === 'async')!.verdict).toBe('ok');
  });

  it('measures the driver ceiling every other round, reports its median and spread, and calls a figure above it an undercut ceiling', async () => {
    const fast: FakeModel = (server, i) => (server === 'async' ? { throughput: 45_000, cpuPerRequestUs: 20 } : model(server, i, 50));
    const fake = new FakeServers(fast, steady);
    // Each fresh floor process is on its first load: 40k, 40k, 40k... so vary by round instead.
    let slot = 0;
    const ceilingModel: FakeModel = (server, i, c) =>
      server === 'floor'
        ? { throughput: must([40_000, 44_000, 42_000][slot++ % 3], 'a ceiling'), cpuPerRequestUs: 10, driverCpuPct: 95 }
        : fast(server, i, c);
    const fake2 = new FakeServers(ceilingModel, steady);
    const report = await run(fake2);
    expect(fake2.calls.filter((c) => c === 'acquire floor c=50')).toHaveLength(2); // rounds 1 and 3
    // The ceiling slot is neither warmed up nor one of the cells.
    expect(fake2.calls.filter((c) => c.startsWith('load floor'))).toEqual(Array(2).fill('load floor get 2000ms'));
    expect(report.cells.map((c) => c.server)).toEqual(['sync', 'async']);
    expect(report.driverCeiling).toMatchObject({
      workload: 'get',
      concurrency: 50,
      throughput: 42_000,
      slots: 2,
      spread: { median: 42_000, min: 40_000, max: 44_000 },
      undercut: true,
    });
    expect(report.warnings.join('\n')).toMatch(
      /async get c=50 measured 45,000 req\/s, above the driver ceiling's range \(40,000-44,000 req\/s over 2 slots\): the ceiling was undercut/,
    );
    expect(fake.calls).toEqual([]);
  });

  it("does not call a figure inside the ceiling's range undercut", async () => {
    const fake = new FakeServers(model, steady);
    const report = await run(fake);
    expect(report.driverCeiling?.undercut).toBeUndefined();
    expect(report.warnings.join('\n')).not.toMatch(/undercut/);
  });

  it('summarizes rounds into cells and compares async with sync', async () => {
    const fake = new FakeServers(model, steady);
    const report = await run(fake, { measureDriverCeiling: false });
    const sync = report.cells.find((c) => c.server === 'sync')!;
    expect(sync.rounds.map((r) => r.round)).toEqual([1, 2, 3]);
    expect(sync.summary.throughput).toEqual({ median: 10_000, min: 10_000, max: 10_000 });
    // Little's law holds for the fake: 50 in flight / 10k req/s = 5 ms.
    expect(sync.summary.meanUs.median).toBe(5000);
    expect(sync.summary.serverCpuPct.median).toBeCloseTo(100, 5); // 100 µs x 10k req/s
    expect(sync.rowsCheck).toEqual({ expectedRows: 300, actualRows: 300, ok: true });
    const throughput = must(report.comparisons[0], 'the comparison').factors.find((f) => f.metric === 'throughput')!;
    expect(report.comparisons[0]).toMatchObject({ baseline: 'sync', candidate: 'async' });
    expect(throughput.factor).toBeCloseTo(3.5, 5);
  });

  it('with servers kept up: one process per server, warmed once, a cumulative rows check', async () => {
    const fake = new FakeServers(model, steady, 'kept');
    const report = await run(fake, { measureDriverCeiling: false });
    const sync = report.cells.find((c) => c.server === 'sync')!;
    expect(fake.calls.filter((c) => c.startsWith('load sync get') && c.includes('×'))).toEqual(['load sync get 6×1000ms']); // one warm-up
    expect(sync.rounds.filter((r) => r.warmup).map((r) => r.round)).toEqual([1]);
    expect(sync.rowsCheck).toEqual({ expectedRows: 100, actualRows: 100, ok: true });
    expect(report.setup.warmServers?.map((w) => w.server)).toEqual(['sync', 'async']);
  });

  it('warms a fresh server up on the workload it measures, but crud on mixed (a stopped crud load leaves keys the next one re-creates)', async () => {
    const fake = new FakeServers(model, steady);
    await run(fake, { rounds: 1, servers: ['async'], workloads: ['get', 'crud'], measureDriverCeiling: false });
    const loads = fake.calls.filter((c) => c.startsWith('load'));
    expect(loads).toEqual(['load async get 3×1000ms', 'load async get 5000ms', 'load async mixed 3×1000ms', 'load async crud 5000ms']);
  });

  it('drops a server that fails pre-flight, and skips pre-flight when the caller already has it', async () => {
    const fake = new FakeServers(model, steady, 'fresh', ['sync']);
    const report = await run(fake, { rounds: 1, measureDriverCeiling: false });
    expect(report.cells.map((c) => c.server)).toEqual(['async']);
    expect(report.warnings.join('\n')).toMatch(/sync failed pre-flight/);
    const again = new FakeServers(model, steady);
    await runComparison(settings({ rounds: 1, measureDriverCeiling: false }), () => {}, {
      lifecycle: again,
      plan,
      now: () => again.clock,
      preflight: report.preflight,
    });
    expect(again.calls.some((c) => c.startsWith('preflight'))).toBe(false);
  });

  it("says what each phase is doing, with the warm-up's slices and a time left that only counts down", async () => {
    const fake = new FakeServers(model, steady);
    const lines: string[] = [];
    await run(fake, { rounds: 1 }, (l) => lines.push(l));
    expect(lines[0]).toMatch(/^pre-flight: sync: pre-flight \(23 scripted requests\), ~(\d+m)?\d+s left in the run\n$/);
    expect(lines).toContainEqual(expect.stringMatching(/sync round 1 get c=50: warming up until steady: slice 4, 100 µs CPU\/request, ~/));
    expect(lines).toContainEqual(expect.stringMatching(/driver ceiling round 1 \(floor, get, c=50\): measuring, \d+s left here/));
    for (const phase of ['starting', 'measuring', 'stopping', 'checking rows'])
      expect(lines.some((l) => l.includes(`: ${phase}`))).toBe(true);
  });
});
