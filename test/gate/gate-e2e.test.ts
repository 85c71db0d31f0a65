// The gate, end to end on real servers: record a baseline, then slow the async server down for
// real (MKVSS_FAULT_DELAY_US through the test-only --fault flag) and expect exit 1 naming it.
// Runs the BUILT CLI (npm test builds first). Short rounds: the slowdown is ~10x, not subtle.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../dist/cli/mkvss-lab.js', import.meta.url));
const RUN_LIMIT_MS = 120_000;

interface Exit {
  code: number | null;
  stdout: string;
  stderr: string;
}

function gate(args: string[]): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'gate', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, GITHUB_STEP_SUMMARY: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    // Bounded: a hung run gets SIGTERM (the gate's chance to stop its servers), then SIGKILL.
    const timer = setTimeout(() => {
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    }, RUN_LIMIT_MS);
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
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gate-e2e-'));
    // One workload, 2 rounds, no extensions, no warm-up until steady (the fault is ~10x, not
    // subtle): ~15 s per gate run on 2 cores.
    common = ['--baseline', join(dir, 'baseline.json'), '--markdown', join(dir, 'gate.md'), '--json', join(dir, 'gate.json'), '--workloads', 'get', '--rounds', '2', '--max-rounds', '2', '--duration', '1000ms', '--warmup', '200ms', '--settle', '0'];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 2 with the fix when the baseline is missing', async () => {
    const run = await gate(['--baseline', join(dir, 'missing.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no gate baseline at .*missing\.json; run `npm run gate -- --update-baseline`/);
  });

  it('records a baseline, then fails with exit 1 naming async when async is really slowed down', async () => {
    const record = await gate([...common, '--update-baseline']);
    expect(record.code, record.stderr).toBe(0);
    const baseline = JSON.parse(await readFile(join(dir, 'baseline.json'), 'utf8'));
    expect(baseline.metrics.map((m: { id: string }) => m.id)).toEqual(expect.arrayContaining(['get c8 async req/s ÷ floor', 'get c8 async req/CPU-s ÷ floor', 'get c8 sync req/CPU-s ÷ floor']));
    // The servers stayed up across the rounds: one warm-up record per server, rounds from all three.
    const recorded = JSON.parse(await readFile(join(dir, 'gate.json'), 'utf8'));
    expect(recorded.warmServers.map((w: { server: string }) => w.server).sort()).toEqual(['async', 'floor', 'sync']);
    expect(recorded.rounds).toHaveLength(3 * 2);

    // 1 ms of busy-wait per request blocks async's one event loop: at most 1,000 req/s, against
    // 10-20k here normally (~50-100 µs a GET). 300 µs would do on a quiet machine, but this file
    // may share the 2 cores with another test file, which slows every server (the floor too) and
    // hides part of a smaller fault.
    const slowed = await gate([...common, '--fault', 'async=1000']);
    expect(slowed.code, `${slowed.stdout}\n${slowed.stderr}`).toBe(1);
    // Which async rows clear their noise band depends on how busy the machine is (a neighbouring
    // test file widens the bands); on a quiet machine all of them do. At least one must, and the
    // verdict line must name it.
    const asyncRow = /^(get c8 async (?:req\/s ÷ floor|req\/CPU-s ÷ floor|÷ sync req\/s|p99 ÷ floor p99)) .*REGRESSION$/m.exec(slowed.stdout);
    expect(asyncRow, slowed.stdout).not.toBeNull();
    expect(slowed.stdout).toMatch(new RegExp(`^FAIL: .*${asyncRow![1]!.replace(/[/÷]/g, '.')}`, 'm'));
    expect(await readFile(join(dir, 'gate.md'), 'utf8')).toContain('| **REGRESSION** |');
  }, 2 * RUN_LIMIT_MS + 10_000);

  it('refuses --against with a ref that names nothing, or together with --update-baseline (exit 2)', async () => {
    const unknown = await gate(['--against', 'no-such-ref-anywhere']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/"no-such-ref-anywhere" names no commit here/);
    const both = await gate(['--against', 'HEAD', '--update-baseline']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--against .* no baseline file to update/);
  });

  it('A/B against HEAD: the same code with async really slowed down fails, naming async this ÷ base', async () => {
    const run = await gate(['--against', 'HEAD', '--markdown', join(dir, 'ab.md'), '--workloads', 'get', '--rounds', '2', '--max-rounds', '2', '--duration', '1000ms', '--warmup', '200ms', '--settle', '0', '--fault', 'async=1000']);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(1);
    expect(run.stdout).toMatch(/^get c8 async this ÷ base req\/CPU-s .*REGRESSION$/m);
    expect(run.stdout).toMatch(/^A\/B: this checkout against HEAD \([0-9a-f]{12}\)/m);
    // The base worktree is gone again.
    const { spawnSync } = await import('node:child_process');
    expect(spawnSync('git', ['worktree', 'list'], { encoding: 'utf8' }).stdout).not.toContain('mkvss-gate-base-');
  }, RUN_LIMIT_MS + 10_000);
});
