// `compare --target` against a server started by hand (`serve async --port 0`, loopback only): its
// pre-flight passes, it is measured, and what the lab cannot see is said, not faked: CPU, RSS and
// threads "remote: not sampled", rows "not checked (remote)". And a target nothing listens on
// fails pre-flight with its reason, exit 1. Runs the BUILT CLI. Nothing here asserts speed.
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertValidReport, type Report } from '../../harness/schema/report-schema.js';
import { CLI, cleanupTempDirs, startServer, type StartedServer } from './support/server-process.js';

const out = mkdtempSync(path.join(tmpdir(), 'mkvss-target-e2e-'));
let server: StartedServer;

function compare(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'compare', ...args, '--out', out],
      { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

beforeAll(async () => {
  server = await startServer('async');
}, 30_000);

afterAll(async () => {
  await server?.stop();
  rmSync(out, { recursive: true, force: true });
  cleanupTempDirs();
});

describe('compare --target (a server started by hand)', () => {
  let run: { code: number | null; stdout: string; stderr: string };
  let report: Report;

  beforeAll(async () => {
    run = await compare(
      '--target',
      `a=http://127.0.0.1:${server.port}`,
      '-d',
      '1s',
      '--rounds',
      '3',
      '--steady-cap',
      '0',
      '--no-driver-ceiling',
      '--keys',
      '500',
    );
    report = JSON.parse(readFileSync(path.join(out, 'latest', 'report.json'), 'utf8')) as Report;
  }, 130_000);

  it('passes pre-flight, seeds over HTTP and measures', () => {
    expect(run.code, run.stderr).toBe(0);
    assertValidReport(report);
    expect(report.preflight).toEqual([{ server: 'a', ok: true, steps: 23 }]);
    expect(run.stderr).toMatch(/seeding 500 keys over HTTP \(once per target\)/);
    expect(report.setup.lifecycle).toBe('remote');
    expect(report.setup.targets).toEqual([{ name: 'a', url: `http://127.0.0.1:${server.port}` }]);
    const [cell] = report.cells;
    if (cell === undefined) throw new Error('the run measured no cell');
    expect(cell.server).toBe('a');
    expect(cell.remote).toEqual({ url: `http://127.0.0.1:${server.port}` });
    expect(cell.rounds).toHaveLength(3);
    expect(cell.summary.throughput.median).toBeGreaterThan(0);
    expect(cell.summary.successRate.median).toBe(1);
    // Not sampled is null in report.json, never a made-up figure.
    expect(cell.rounds.every((r) => r.serverCpuPct === null && r.serverPeakRssBytes === null && r.serverPeakThreads === null)).toBe(true);
    expect(cell.rowsCheck).toBeUndefined();
  });

  it('prints CPU, RSS and threads as not sampled and the rows as not checked', () => {
    expect(run.stdout).toMatch(/Server CPU \(% of one core\)\s+remote: not sampled/);
    expect(run.stdout).toMatch(/Server RSS \(peak\)\s+remote: not sampled/);
    expect(run.stdout).toMatch(/Server threads \(peak\)\s+remote: not sampled/);
    expect(run.stdout).toMatch(/a, get, 50 connections: not checked \(remote/);
    expect(run.stdout).toMatch(/a \(remote, http:\/\/127\.0\.0\.1:\d+\)/);
  });

  it('left the keys it seeded and none of the pre-flight keys on the server', async () => {
    const status = (p: string) =>
      new Promise<number>((resolve, reject) =>
        http
          .get({ host: '127.0.0.1', port: server.port, path: p }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          })
          .on('error', reject),
      );
    expect(await status('/keys/k499')).toBe(200);
    expect(await status('/keys/preflight-a')).toBe(404);
  });
});

describe('compare --target (nothing listening)', () => {
  it('fails pre-flight with the reason, exit 1', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const r = await compare('--target', `gone=http://127.0.0.1:${port}`, '-d', '1s', '--rounds', '1', '--steady-cap', '0');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/gone: MISMATCH/);
    const report = JSON.parse(readFileSync(path.join(out, 'latest', 'report.json'), 'utf8')) as Report;
    expect(report.preflight[0]?.mismatch).toMatch(
      new RegExp(`^step 1 \\(GET /health\\): expected status 200, got 0 \\(no answer from 127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
    );
    expect(report.cells).toEqual([]);
  }, 60_000);
});
