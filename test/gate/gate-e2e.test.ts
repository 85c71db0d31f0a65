// The gate, end to end on real servers: a baseline blessing this checkout's HEAD, then the async
// server slowed down for real (MKVSS_FAULT_DELAY_US through the test-only --fault flag, and a
// sleep-like wait through --fault-sleep) and exit 1 expected, naming it; and the refusals (exit 2)
// that need no measuring. Runs the BUILT CLI (npm test builds first). Short rounds: the faults are
// large, not subtle.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli/mkvss-lab.js', import.meta.url));
const RUN_LIMIT_MS = 120_000;
/** The A/B run at the defaults starts a fresh process pair per server every round (12 starts in
 *  3 rounds): 93 s alone on a quiet 2-core machine, so it gets twice the usual limit. */
const PER_ROUND_LIMIT_MS = 240_000;
/** A short run: one workload, 3 rounds (the fewest the gate accepts), no extensions, no warm-up
 *  load (the faults here are ~10x, not subtle). */
const SHORT_RUN = [
  '--workloads',
  'get',
  '--rounds',
  '3',
  '--max-rounds',
  '3',
  '--duration',
  '1000ms',
  '--warmup',
  '200ms',
  '--settle',
  '0',
];

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gate(args: string[], limitMs = RUN_LIMIT_MS): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'gate', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GITHUB_STEP_SUMMARY: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // Bounded: a hung run gets SIGTERM (the gate's chance to stop its servers), then SIGKILL.
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, limitMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('gate end to end', () => {
  let dir: string;
  let common: string[];
  const settings = {
    workloads: ['get'],
    concurrency: 8,
    durationMs: 1000,
    warmupMs: 200,
    settleMs: 0,
    probeRate: 0,
    probeWorkload: 'mixed',
  };
  const blessed = (commit: string) => ({
    schema: 'mkvss-lab/gate-baseline',
    version: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    commit,
    rounds: 3,
    machine: { cpuModel: 'x', cores: 2, kernel: 'x', node: 'v20', platform: 'linux', arch: 'x64', totalMemBytes: 1, fingerprint: 'x' },
    settings,
    metrics: [
      {
        id: 'get c8 async req/s ÷ floor',
        workload: 'get',
        concurrency: 8,
        subject: 'async',
        measure: 'throughput',
        median: 0.5,
        band: 0.1,
        values: [0.5, 0.45, 0.55],
      },
    ],
  });
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gate-e2e-'));
    const head = spawnSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
    await writeFile(join(dir, 'baseline.json'), JSON.stringify(blessed(head)));
    await writeFile(join(dir, 'not-here.json'), JSON.stringify(blessed('f'.repeat(40))));
    // A short run without the waiting probe: about a minute on 2 cores.
    common = [
      '--baseline',
      join(dir, 'baseline.json'),
      '--markdown',
      join(dir, 'gate.md'),
      '--json',
      join(dir, 'gate.json'),
      ...SHORT_RUN,
      '--probe-rate',
      '0',
      // One process per build and server for the run (the baseline file has no `processes`: kept):
      // the fault is ~10x, so this test needs no process sampling, and it saves ~40 s of starts.
      // The A/B test below runs the default, a fresh pair every round.
      '--processes',
      'kept',
    ];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 with the fix when the baseline is missing', async () => {
    const run = await gate(['--baseline', join(dir, 'missing.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no gate baseline at .*missing\.json; run `npm run gate -- --update-baseline`/);
  });

  it("exits 2 before measuring when the settings differ from the baseline's, naming them", async () => {
    const run = await gate([...common, '--concurrency', '16', '--workloads', 'put']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: this run's settings differ from the baseline's \(.*baseline\.json\): --workloads put \(baseline: get\), --concurrency 16 \(baseline: 8\)/m,
    );
    expect(run.stderr).not.toContain('measuring');
  });

  it('exits 2 in one line naming fetch-depth: 0 when the blessed commit is not in the history', async () => {
    const run = await gate([...common, '--baseline', join(dir, 'not-here.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^error: the blessed commit ffffffffffff \(.*not-here\.json\) is not in this checkout's history.*`fetch-depth: 0`.*\n$/,
    );
  });

  it(
    'builds the blessed commit (HEAD) and fails with exit 1 naming async when async is really slowed down',
    async () => {
      // 1 ms of busy-wait per request blocks async's one event loop: at most 1,000 req/s, against
      // 10-20k here normally. The base build (the blessed commit) has no fault.
      const slowed = await gate([...common, '--fault', 'async=1000']);
      expect(slowed.code, `${slowed.stdout}\n${slowed.stderr}`).toBe(1);
      expect(slowed.stdout).toMatch(/^get c8 async this ÷ base req\/CPU-s .*REGRESSION$/m);
      // Kept processes are judged by the range of their rounds (the t-interval would not cover
      // the two processes' own levels).
      expect(slowed.stdout).toMatch(/^metric .* spread \(A\/A\) /m);
      expect(slowed.stdout).not.toContain('a fresh pair of processes every round');
      expect(slowed.stdout).toMatch(/^A\/B: this checkout against the blessed commit \(.*baseline\.json\) \([0-9a-f]{12}\)/m);
      expect(await readFile(join(dir, 'gate.md'), 'utf8')).toContain('| **REGRESSION** |');
      // The base worktree is gone again.
      expect(spawnSync('git', ['worktree', 'list'], { encoding: 'utf8' }).stdout).not.toContain('mkvss-gate-base-');
    },
    RUN_LIMIT_MS + 10_000,
  );

  it('refuses --against with a ref that names nothing, or two modes at once (exit 2)', async () => {
    const unknown = await gate(['--against', 'no-such-ref-anywhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"no-such-ref-anywhere" names no commit here/);
    const both = await gate(['--against', 'HEAD', '--update-baseline']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--against and --update-baseline are different modes/);
  });

  it(
    'A/B against HEAD: a server that waits (no CPU) fails the gate, and the waiting probe is measured',
    async () => {
      // 10 ms of sleep-like waiting (no CPU) on one request in 4. In the async server the wait
      // blocks the one event loop, so its closed-loop req/s collapses to at most 400 req/s (1 in 10
      // gave −62% with a 116% range of 3 rounds under load average ~14, which passed). Which rows clear their range
      // depends on how busy the machine is: on a quiet one the p99 at the fixed probe rate too; under
      // a load average of 15 the load driver's own timer stalls set both builds' p99 at that rate
      // (a 10 ms wait moved it +18% in one run), so this asserts the run fails on an async row and
      // that the probe rows are there. test/gate/gate-ab.test.ts pins the probe row's verdict.
      const run = await gate(
        ['--against', 'HEAD', '--markdown', join(dir, 'ab.md'), ...SHORT_RUN, '--probe-rate', '500', '--fault-sleep', 'async=10000/4'],
        PER_ROUND_LIMIT_MS,
      );
      expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
      expect(run.stdout).toMatch(/^(?:get|mixed) c8 async this ÷ base .*REGRESSION$/m);
      expect(run.stdout).toMatch(/^mixed c8 async this ÷ base p99 at a fixed rate +1\.000 +\d/m);
      expect(run.stdout).toMatch(/^mixed c8 sync this ÷ base p99 at a fixed rate +1\.000 +\d/m);
      // The default: a fresh process pair every round, each row judged by its paired 95% interval.
      expect(run.stdout).toContain('a fresh pair of processes every round, warmed side by side');
      expect(run.stdout).toMatch(/^metric .* 95% interval /m);
      expect(run.stderr).toContain('fresh processes every round');
    },
    PER_ROUND_LIMIT_MS + 10_000,
  );
});
