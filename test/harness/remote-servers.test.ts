// The remote lifecycle (compare --target) against a tiny in-process HTTP server: seeding over HTTP
// once per target, a live server that is a host and a port (no pid), nothing to release, and an
// unreachable target failing pre-flight at once with its reason.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RemoteServers, seedOverHttp } from '../../harness/run/remote-servers.js';
import { DEFAULT_COMPARE_SETTINGS, type CompareSettings } from '../../harness/run/settings.js';
import { firstMismatch } from '../../harness/run/preflight.js';
import { DEFAULT_STEADY_WARMUP } from '../../harness/run/steady-warmup.js';

/** Answers PUT /keys/NAME with 201 (or 500 when told to), remembering each key and its body size. */
const puts = new Map<string, number>();
let failFrom = Number.POSITIVE_INFINITY;
const server = http.createServer((req, res) => {
  let size = 0;
  req.on('data', (c: Buffer) => (size += c.length));
  req.on('end', () => {
    if (req.method === 'PUT' && req.url?.startsWith('/keys/')) {
      const status = puts.size >= failFrom ? 500 : 201;
      if (status === 201) puts.set(req.url, size);
      res.writeHead(status, { 'content-length': 0 }).end();
    } else res.writeHead(404, { 'content-length': 0 }).end();
  });
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const settings = (keys: number): CompareSettings => ({ ...DEFAULT_COMPARE_SETTINGS, keys, valueSize: 16, servers: ['t'] });
const plan = { pinned: false, driverCpus: [], serverCpus: [], driverProcesses: 1 };

describe('RemoteServers', () => {
  it('seeds the preload keys over HTTP once, then hands out the target as host and port', async () => {
    puts.clear();
    failFrom = Number.POSITIVE_INFINITY;
    const target = { name: 't', url: `http://127.0.0.1:${port}`, host: '127.0.0.1', port };
    const remote = new RemoteServers([target], settings(300), plan, DEFAULT_STEADY_WARMUP);
    expect(remote.steady.basis).toBe('throughput');
    expect(remote.acquireNote('t')).toMatch(/seeding 300 keys over HTTP/);
    const live = await remote.acquire('t', 10);
    expect(live).toMatchObject({ server: 't', concurrency: 10, host: '127.0.0.1', port, pid: null, db: null, cold: true });
    expect(puts.size).toBe(300);
    expect(puts.get('/keys/k0')).toBe(16);
    expect(puts.has('/keys/k299')).toBe(true);
    // Once per target: another concurrency acquires without seeding again.
    puts.clear();
    expect(remote.acquireNote('t')).toBeUndefined();
    await remote.acquire('t', 50);
    expect(puts.size).toBe(0);
    // Nothing to release or check: the report says "not checked (remote)".
    expect(await remote.release(live)).toBeNull();
    expect(live.cold).toBe(false);
    expect(await remote.acquire('t', 10)).toBe(live);
  });

  it('stops seeding with the key and the status when the target refuses a PUT', async () => {
    puts.clear();
    failFrom = 5;
    await expect(seedOverHttp({ name: 't', host: '127.0.0.1', port }, 50, 4, 1)).rejects.toThrow(
      /seeding t: PUT \/keys\/k5 answered 500, expected 200 or 201/,
    );
    failFrom = Number.POSITIVE_INFINITY;
  });

  it('fails pre-flight at once against a port nothing listens on, saying why', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const remote = new RemoteServers(
      [{ name: 'gone', url: `http://127.0.0.1:${deadPort}`, host: '127.0.0.1', port: deadPort }],
      settings(10),
      plan,
      DEFAULT_STEADY_WARMUP,
    );
    const { answers } = await remote.preflight('gone');
    expect(answers).toHaveLength(1);
    expect(firstMismatch(answers)).toMatch(
      new RegExp(`step 1 \\(GET /health\\): expected status 200, got 0 \\(no answer from 127.0.0.1:${deadPort}: .*ECONNREFUSED`),
    );
  });
});
