// The sync threads' warm start (prewarm): the synthetic traffic runs the real routes and gets the
// answers it expects, a prewarmed server serves correctly, the real database never sees a
// prewarm row, a waiting connection cuts the warm start short, and --no-prewarm turns it off.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_LIMITS as DEFAULT_LIMITS } from '../../servers/http/index.js';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from '../../servers/options.js';
import { threadCpuMs } from '../../servers/sync/libc.js';
import { prewarm } from '../../servers/sync/prewarm.js';
import type { RunningSyncServer, SyncTuning } from '../../servers/sync/server.js';
import { request, req } from '../e2e/support/raw-client.js';
import { cleanupTempDirs, startServer } from '../e2e/support/server-process.js';
import { Client, get } from './support/client.js';

// Worker threads load compiled JS, so the server under test is the one in dist/.
const { startSyncServer } = (await import(
  new URL('../../dist/servers/sync/server.js', import.meta.url).href
)) as typeof import('../../servers/sync/server.js');

const dir = mkdtempSync(path.join(tmpdir(), 'mkvss-prewarm-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  cleanupTempDirs();
});

const running: RunningSyncServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()));
});

/** A small budget: the tests check what prewarm does, not how warm it gets. */
const SMALL = { maxRequests: 300, maxCpuMs: 10_000, maxWallMs: 10_000 };

async function startKv(db: string, options: Partial<ServerOptions>, tuning: SyncTuning = {}): Promise<RunningSyncServer> {
  const server = await startSyncServer(
    { ...DEFAULT_SERVER_OPTIONS, port: 0, db, threads: 2, maxThreads: 4, ...options },
    { prewarmBudget: SMALL, ...tuning },
  );
  running.push(server);
  return server;
}

describe('prewarm()', () => {
  it('drives the real routes through the engine and gets every expected status', () => {
    const result = prewarm(DEFAULT_LIMITS, { maxRequests: 3000, maxCpuMs: 60_000, maxWallMs: 60_000 }, threadCpuMs, () => false);
    expect(result.stoppedBy).toBe('requests');
    expect(result.requests).toBe(3000);
    // The 64 creates in each of two stores, then more than two passes of the 1,024-request cycle:
    // replaces, the CRUD cycle (a POST after its key was deleted) and misses all ran, and repeated.
    expect(result.unexpected).toBe(0);
    expect(result.cpuMs).toBeGreaterThan(0);
  });

  it('with the connection loop, serves every other synthetic connection over a socket pair, gets every expected status, and leaves no fd open', () => {
    const fds = () => readdirSync('/proc/self/fd').length;
    const before = fds();
    const loop = { requestTimeoutMs: 10_000, idleTimeoutMs: 30_000 };
    const result = prewarm(DEFAULT_LIMITS, { maxRequests: 1000, maxCpuMs: 60_000, maxWallMs: 60_000 }, threadCpuMs, () => false, loop);
    expect(result).toMatchObject({ stoppedBy: 'requests', requests: 1000, unexpected: 0 });
    expect(fds()).toBe(before);
    // A budget that ends inside a socket-pair batch (after the creates and one engine connection) is kept to the request.
    expect(
      prewarm(DEFAULT_LIMITS, { maxRequests: 64 + 64 + 128 + 10, maxCpuMs: 60_000, maxWallMs: 60_000 }, threadCpuMs, () => false, loop),
    ).toMatchObject({
      requests: 266,
      unexpected: 0,
    });
  });

  it('stops when asked (a connection waits for a thread), at once or within a few dozen requests', () => {
    expect(prewarm(DEFAULT_LIMITS, SMALL, threadCpuMs, () => true)).toMatchObject({ stoppedBy: 'demand', requests: 0 });
    let asked = 0;
    const result = prewarm(DEFAULT_LIMITS, { ...SMALL, maxRequests: 10_000 }, threadCpuMs, () => ++asked > 2);
    expect(result.stoppedBy).toBe('demand');
    expect(result.requests).toBeLessThan(200);
  });

  it('keeps to its CPU budget', () => {
    const result = prewarm(DEFAULT_LIMITS, { maxRequests: 1e9, maxCpuMs: 1, maxWallMs: 60_000 }, threadCpuMs, () => false);
    expect(result.stoppedBy).toBe('cpu');
    expect(result.requests).toBeLessThan(1e9);
  });
});

describe('a prewarmed sync server', () => {
  it('warms every floor thread before it is ready, serves correctly, and writes no prewarm row to the real database', async () => {
    const db = path.join(dir, 'real.db');
    const server = await startKv(db, { threads: 2 });
    // start() resolved: both floor threads ran their synthetic requests first.
    expect(server.prewarm).toMatchObject({ threads: 2, requests: 2 * SMALL.maxRequests, cutByDemand: 0 });

    const client = await Client.connect(server.port);
    try {
      await client.write(`PUT /keys/real HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello`);
      expect((await client.read(10_000))?.status).toBe(201);
      // A key the synthetic traffic writes in its scratch store: absent from the real one.
      await client.write(get('/keys/k1'));
      expect((await client.read(10_000))?.status).toBe(404);
      await client.write(get('/keys/real'));
      const r = await client.read(10_000);
      expect(r?.status).toBe(200);
      expect(r?.body).toBe('hello');
    } finally {
      client.destroy();
    }
    for (const server of running.splice(0)) await server.close();

    const check = new Database(db, { readonly: true });
    try {
      expect(check.prepare('SELECT key FROM kv ORDER BY key').pluck().all()).toEqual(['real']);
    } finally {
      check.close();
    }
  });

  it('splits one CPU budget across the floor, so a large floor cannot hold readiness back', async () => {
    // 20 ms of CPU for two threads, with nothing else bounding them: each stops after ~10 ms,
    // a few hundred requests at most (a cold request costs tens of µs or more).
    const server = await startKv(
      path.join(dir, 'split.db'),
      { threads: 2 },
      {
        prewarmBudget: { maxRequests: 1_000_000, maxCpuMs: 60_000, maxWallMs: 60_000 },
        floorPrewarmCpuMs: 20,
      },
    );
    expect(server.prewarm.threads).toBe(2);
    expect(server.prewarm.requests).toBeLessThan(2_000);
  });

  it('warms only the floor: threads started under load serve cold', async () => {
    const server = await startKv(path.join(dir, 'growth.db'), { threads: 1, maxThreads: 4 });
    expect(server.prewarm.threads).toBe(1);
    const held: Client[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const c = await Client.connect(server.port);
        held.push(c);
        await c.write(get('/health'));
        expect((await c.read(10_000))?.status).toBe(200);
      }
      // Two connections held open: the pool grew past its floor of one (plus a spare).
      expect(server.startedThreads).toBeGreaterThanOrEqual(2);
      expect(server.prewarm.threads).toBe(1);
    } finally {
      for (const c of held) c.destroy();
    }
  });

  it('with prewarm off, no thread runs synthetic requests', async () => {
    const server = await startKv(path.join(dir, 'cold.db'), { prewarm: false });
    expect(server.prewarm).toMatchObject({ threads: 0, requests: 0 });
    const client = await Client.connect(server.port);
    try {
      await client.write(get('/health'));
      expect((await client.read(10_000))?.status).toBe(200);
    } finally {
      client.destroy();
    }
  });
});

describe('serve sync --no-prewarm', () => {
  it('is accepted, and the server answers', async () => {
    const server = await startServer('sync', ['--no-prewarm', '--threads', '2']);
    try {
      expect((await request(server.port, req('GET', '/health'))).status).toBe(200);
    } finally {
      expect((await server.stop()).code).toBe(0);
    }
  });
});
