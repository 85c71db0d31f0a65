// One gate run, start to exit code, on synthetic reports: exit codes, outputs, and failing closed.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXIT_FAIL, EXIT_PASS, EXIT_USAGE, runGate, type GateRunOptions } from '../../harness/gate/run.js';
import { DEFAULT_THRESHOLDS } from '../../harness/gate/decision.js';
import type { MeasureRequest } from '../../harness/gate/loop.js';
import type { Report } from '../../harness/schema/report-schema.js';
import { steady, syntheticReport } from './synthetic-report.js';

const calm = [1, 0.98, 1.02];
const healthy = () =>
  syntheticReport({ get: { floor: steady(40_000, 1000, calm), sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) } });
const COMMIT = 'c38a6f8'.padEnd(40, '0');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});
const slowAsync = () =>
  syntheticReport({ get: { floor: steady(40_000, 1000, calm), sync: steady(10_000, 4000, calm), async: steady(12_000, 3300, calm) } });

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'gate-run-'));
  dirs.push(dir);
  const options = (o: Partial<GateRunOptions> = {}): GateRunOptions => ({
    baselineFile: join(dir, 'baseline.json'),
    updateBaseline: false,
    markdownFile: join(dir, 'gate.md'),
    thresholds: DEFAULT_THRESHOLDS,
    settings: { workloads: ['get'], concurrency: 32, durationMs: 2000, warmupMs: 500 },
    rounds: 3,
    maxRounds: 6,
    extraRounds: 3,
    ...(o.updateBaseline ? { blessCommit: COMMIT } : {}),
    ...o,
  });
  const io = (report: () => Report, env: NodeJS.ProcessEnv = {}) => {
    const lines = { out: '', err: '', requests: [] as MeasureRequest[] };
    return {
      lines,
      io: {
        measure: async (r: MeasureRequest) => {
          lines.requests.push(r);
          return report();
        },
        out: (t: string) => {
          lines.out += t;
        },
        err: (t: string) => {
          lines.err += t;
        },
        env,
        now: () => Date.parse('2026-01-01T00:00:00Z'),
      },
    };
  };
  return { dir, options, io };
}

describe('gate run: exit codes and outputs', () => {
  it('exits 2 without measuring when there is no baseline, and says how to make one', async () => {
    const { options, io } = await setup();
    const run = io(healthy);
    expect(await runGate(options(), run.io)).toBe(EXIT_USAGE);
    expect(run.lines.requests).toEqual([]);
    expect(run.lines.err).toMatch(/^error: no gate baseline at .*baseline\.json; run `npm run gate -- --update-baseline`/);
  });

  it('records a baseline with --update-baseline, then passes a healthy run and fails a slow one', async () => {
    const { dir, options, io } = await setup();
    expect(await runGate(options({ updateBaseline: true }), io(healthy).io)).toBe(EXIT_PASS);
    const written = JSON.parse(await readFile(join(dir, 'baseline.json'), 'utf8'));
    expect(written.schema).toBe('mkvss-lab/gate-baseline');
    expect(written.commit).toBe(COMMIT);
    expect(written.rounds).toBe(3);
    expect(written.machine.fingerprint).toBe('aaaa1111');

    const pass = io(healthy);
    expect(await runGate(options({ jsonFile: join(dir, 'gate.json') }), pass.io)).toBe(EXIT_PASS);
    expect(pass.lines.out).toMatch(/^PASS/m);
    const json = JSON.parse(await readFile(join(dir, 'gate.json'), 'utf8'));
    expect(json.failed).toBe(false);
    expect(json.metrics.find((m: { id: string }) => m.id === 'get c32 sync req/s ÷ floor').values).toHaveLength(3);

    const summaryFile = join(dir, 'step-summary.md');
    await writeFile(summaryFile, 'earlier step\n');
    const fail = io(slowAsync, { GITHUB_STEP_SUMMARY: summaryFile });
    expect(await runGate(options(), fail.io)).toBe(EXIT_FAIL);
    expect(fail.lines.out).toMatch(/^FAIL: .*get c32 async req\/s ÷ floor −40%/m);
    const summary = await readFile(summaryFile, 'utf8');
    expect(summary.startsWith('earlier step\n')).toBe(true); // appended, not overwritten
    expect(summary).toContain('| **REGRESSION** |');
    expect(await readFile(join(dir, 'gate.md'), 'utf8')).toContain('## mkvss-lab performance gate');
  });

  it('tries a failed measurement once more, then exits 1 with the reason', async () => {
    const { options, io } = await setup();
    await runGate(options({ updateBaseline: true }), io(healthy).io);
    const broken = io(() => {
      throw new Error('the sync server did not start');
    });
    expect(await runGate(options(), broken.io)).toBe(EXIT_FAIL);
    expect(broken.lines.requests).toHaveLength(2);
    expect(broken.lines.err).toContain('error: the gate could not measure: the sync server did not start');

    let calls = 0;
    const flaky = io(() => {
      if (++calls === 1) throw new Error('the sync server did not print its listening line within 20 s');
      return healthy();
    });
    expect(await runGate(options(), flaky.io)).toBe(EXIT_PASS);
    expect(flaky.lines.err).toContain('trying once more');
  });
});

describe('gate run: failing closed', () => {
  const badAnswers = (r: Report): Report => ({
    ...r,
    cells: r.cells.filter((c) => c.server === 'floor'),
    preflight: [
      { server: 'sync', ok: false, mismatch: 'GET /keys/a: status 500, expected 200' },
      { server: 'async', ok: false, mismatch: 'GET /keys/a: status 500, expected 200' },
    ] as unknown as Report['preflight'],
  });

  it('fails (exit 1) when both servers fail pre-flight, though no row regressed', async () => {
    const { options, io } = await setup();
    await runGate(options({ updateBaseline: true }), io(healthy).io);
    const broken = io(() => badAnswers(healthy()));
    expect(await runGate(options(), broken.io)).toBe(EXIT_FAIL);
    expect(broken.lines.out).toMatch(
      /^FAIL: sync failed pre-flight .*; async failed pre-flight .*; no baseline metric was measured in this run/m,
    );
  });

  it('fails (exit 1) when one server fails pre-flight', async () => {
    const { options, io } = await setup();
    await runGate(options({ updateBaseline: true }), io(healthy).io);
    const oneBroken = io(() => {
      const r = healthy();
      return {
        ...r,
        cells: r.cells.filter((c) => c.server !== 'async'),
        preflight: [{ server: 'async', ok: false, mismatch: 'Connection header missing' }] as unknown as Report['preflight'],
      };
    });
    expect(await runGate(options(), oneBroken.io)).toBe(EXIT_FAIL);
    expect(oneBroken.lines.out).toMatch(/^FAIL: async failed pre-flight .*Connection header missing/m);
  });

  it('fails (exit 1) when no baseline metric was measured', async () => {
    const { options, io } = await setup();
    await runGate(options({ updateBaseline: true }), io(healthy).io);
    const otherWorkload = io(() =>
      syntheticReport({
        mixed: { floor: steady(40_000, 1000, calm), sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) },
      }),
    );
    expect(await runGate(options(), otherWorkload.io)).toBe(EXIT_FAIL);
    expect(otherWorkload.lines.out).toMatch(/^FAIL: no baseline metric was measured in this run/m);
  });

  it("refuses (exit 2, before measuring) settings other than the baseline's, naming them", async () => {
    const { options, io } = await setup();
    await runGate(options({ updateBaseline: true }), io(healthy).io);
    const other = io(healthy);
    const code = await runGate(options({ settings: { workloads: ['put'], concurrency: 16, durationMs: 2000, warmupMs: 500 } }), other.io);
    expect(code).toBe(EXIT_USAGE);
    expect(other.lines.requests).toEqual([]);
    expect(other.lines.err).toMatch(
      /^error: this run's settings differ from the baseline's: --workloads put \(baseline: get\), --concurrency 16 \(baseline: 32\)/,
    );
  });

  it('refuses (exit 2) fewer than 3 rounds, which have no spread to judge by', async () => {
    const { options, io } = await setup();
    const run = io(healthy);
    expect(await runGate(options({ rounds: 2 }), run.io)).toBe(EXIT_USAGE);
    expect(run.lines.requests).toEqual([]);
    expect(run.lines.err).toMatch(/--rounds 2 is too few: the gate needs at least 3 rounds/);
  });

  it('does not bless a build whose servers fail pre-flight', async () => {
    const { dir, options, io } = await setup();
    const run = io(() => badAnswers(healthy()));
    expect(await runGate(options({ updateBaseline: true }), run.io)).toBe(EXIT_FAIL);
    expect(run.lines.err).toMatch(/not blessing a build that fails its own checks: sync failed pre-flight/);
    await expect(readFile(join(dir, 'baseline.json'), 'utf8')).rejects.toThrow(/ENOENT/);
  });
});
