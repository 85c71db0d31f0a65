// Usage errors of `mkvss-lab compare`: one clear line, exit 2, before anything starts.
// Runs the BUILT CLI (npm test builds first).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schedule } from '../../harness/run/compare.js';
import { crossCheck } from '../../cli/compare-command.js';
import { DEFAULT_COMPARE_SETTINGS } from '../../harness/run/settings.js';

const CLI = fileURLToPath(new URL('../../dist/cli/mkvss-lab.js', import.meta.url));

/** Async, so the cases run side by side (each is a process start, nothing is measured). */
function compare(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'compare', ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe.concurrent('compare flag validation', () => {
  it.each([
    [['--servers', 'nope'], /unknown servers "nope"; choose from sync, async, reference, floor/],
    // A trailing comma is tolerated: the one error is about the next flag, not the server list.
    [['--servers', 'sync,', '--rounds', '0'], /--rounds must be a whole number from 1 to 100/],
    [['--servers', ','], /--servers needs at least one of sync, async, reference, floor/],
    [['-c', '0'], /--concurrency must be a whole number from 1 to 10000, got "0"/],
    [['-c', '10,,50'], /comma-separated list/],
    [['--rounds', '0'], /--rounds must be a whole number from 1 to 100/],
    [['-d', '0s'], /--duration must be above zero/],
    [['-d', 'ten'], /--duration takes a duration such as 500ms, 10s or 2m/],
    [['--warmup', '-1s'], /--warmup takes a duration/],
    [['--workload', 'scan'], /unknown workload "scan"; choose from get, put, mixed, crud/],
    [['--keys', '0'], /--keys must be a whole number from 1/],
    [['--pipelining', '100'], /--pipelining must be a whole number from 1 to 64/],
    [['--rate', 'fast'], /--rate is requests per second/],
    [['--label', 'a/b'], /--label must be 1-40 letters/],
    [['--bogus'], /unknown option '--bogus'/],
    [['--driver', 'ab'], /Allowed choices are net, autocannon, wrk/],
    [['--driver', 'autocannon', '--rate', '100'], /--driver autocannon is closed loop only/],
    [['--driver', 'wrk', '--workload', 'crud'], /--driver wrk (cannot run crud|needs wrk on the PATH)/],
    [['--target', 'a=ftp://127.0.0.1:21'], /--target a: only plain http:\/\//],
    [['--target', 'a=http://127.0.0.1'], /--target a: .* has no port/],
    [['--target', 'a=nope'], /--target a: "nope" is not a URL/],
    [['--target', 'a=http://127.0.0.1:1', '--target', 'a=http://127.0.0.1:2'], /--target name "a" is given twice/],
    [['--target', 'a=http://127.0.0.1:1', '--servers', 'sync'], /--target measures remote servers only; drop --servers/],
    [['--target', 'a=http://127.0.0.1:1', '--keep-servers'], /drop --keep-servers/],
    [
      ['--no-prewarm', '--servers', 'async,floor'],
      /--no-prewarm is about the sync server, which is not in --servers; add sync or drop --no-prewarm/,
    ],
    [['--no-prewarm', '--target', 'a=http://127.0.0.1:1'], /--no-prewarm starts the lab's sync server cold; a --target is already running/],
  ])('%j', async (args, message) => {
    const r = await compare(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const errorLines = r.stderr.split('\n').filter((l) => l.startsWith('error:'));
    expect(errorLines).toHaveLength(1);
    expect(errorLines[0]).toMatch(message);
  });

  it('rejects a --rate too low for the connections, with the fix', async () => {
    const r = await compare('--rate', '10', '-c', '50');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: --rate 10 spread over 50 connections .* raise --rate or lower --concurrency\.$/);
  });

  it('explains the flags and the report in --help', async () => {
    const r = await compare('--help');
    expect(r.code).toBe(0);
    for (const flag of [
      '--servers',
      '--concurrency',
      '--duration',
      '--warmup',
      '--rounds',
      '--workload',
      '--keys',
      '--value-size',
      '--pipelining',
      '--rate',
      '--no-pin',
      '--no-prewarm',
      '--out',
      '--json',
      '--label',
    ]) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/driver-bound/);
    // --target writes to the server it measures: the help says which keys.
    expect(r.stdout).toMatch(/--target <NAME=URL>/);
    expect(r.stdout).toMatch(/WRITES to each target/);
    expect(r.stdout).toMatch(/tie/);
  });
});

describe('crossCheck', () => {
  it('accepts the defaults', () => {
    expect(crossCheck(DEFAULT_COMPARE_SETTINGS)).toBeNull();
  });
  it('refuses runs of absurd size', () => {
    expect(crossCheck({ ...DEFAULT_COMPARE_SETTINGS, rounds: 100, concurrency: Array.from({ length: 20 }, (_, i) => i + 1) })).toMatch(
      /at most 2000/,
    );
  });
});

describe('the interleaved schedule', () => {
  it('runs every server back to back per (workload, concurrency) and rotates the order each round', () => {
    const s = schedule({ servers: ['sync', 'async'], workloads: ['get'], concurrency: [10, 50], rounds: 2 });
    expect(s.map((m) => `${m.round}${m.server}${m.concurrency}`)).toEqual([
      '1sync10',
      '1async10',
      '1sync50',
      '1async50',
      '2async10',
      '2sync10',
      '2async50',
      '2sync50',
    ]);
    expect(s.map((m) => m.order)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});
