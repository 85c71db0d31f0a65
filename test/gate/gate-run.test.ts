import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXIT_FAIL, EXIT_PASS, EXIT_USAGE, runGate, type GateRunOptions } from '../../harness/gate/run.js';
import { DEFAULT_THRESHOLDS, type MeasureRequest } from '../../harness/gate/decision.js';
import type { Report } from '../../harness/schema/report-schema.js';
import { steady, syntheticReport } from './synthetic-report.js';

const calm = [1, 0.98, 1.02];
const healthy = () => syntheticReport({ get: { floor: steady(40_000, 1000, calm), sync: steady(10_000, 4000, calm), async: steady(20_000, 2000, calm) } });
const slowAsync = () => syntheticReport({ get: { floor: steady(40_000, 1000, calm), sync: steady(10_000, 4000, calm), async: steady(12_000, 3300, calm) } });

async function setup() {
  const dir = await mkdtemp(join(tmpdir(), 'gate-run-'));
  const options = (o: Partial<GateRunOptions> = {}): GateRunOptions => ({
    baselineFile: join(dir, 'baseline.json'),
    updateBaseline: false,
    markdownFile: join(dir, 'gate.md'),
    thresholds: DEFAULT_THRESHOLDS,
    settings: { workloads: ['get'], concurrency: 32, durationMs: 2000, warmupMs: 500 },
    rounds: 3,
    maxRounds: 6,
    extraRounds: 3,
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
