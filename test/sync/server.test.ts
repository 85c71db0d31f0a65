// The sync server's pool and connection loop, in this process against the built code: growth
// when every thread is busy, the cap (extra connections wait in the accept backlog), retiring,
// timeouts, graceful stop, startup errors. A stub handler (no database) answers with the id of
// the thread that served the request.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_SERVER_OPTIONS, type ServerOptions } from '../../servers/options.js';
import type { RunningSyncServer, SyncTuning } from '../../servers/sync/server.js';
import { Client, eventually, get } from './support/client.js';
import { must } from '../../harness/must.js';

// Worker threads load compiled JS, so the server under test is the one in dist/.
const { startSyncServer } = (await import(
  new URL('../../dist/servers/sync/server.js', import.meta.url).href
)) as typeof import('../../servers/sync/server.js');
const STUB = new URL('./support/stub-handler.mjs', import.meta.url).href;

const dir = mkdtempSync(path.join(tmpdir(), 'mkvss-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const running: RunningSyncServer[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function startStub(options: Partial<ServerOptions>, tuning: SyncTuning = {}): Promise<RunningSyncServer> {
  const server = await startSyncServer(
    { ...DEFAULT_SERVER_OPTIONS, port: 0, db: path.join(dir, 'unused.db'), threads: 2, maxThreads: 4, ...options },
    { handlerModule: STUB, ...tuning },
  );
  running.push(server);
  return server;
}

async function connect(port: number): Promise<Client> {
  const c = await Client.connect(port);
  clients.push(c);
  return c;
}

/** A connection that has been served once and now holds its thread (keep-alive). */
async function holdThread(port: number): Promise<{ client: Client; thread: string }> {
  const client = await connect(port);
  await client.write(get('/hold'));
  const r = await client.read(10_000);
  expect(r?.status).toBe(200);
  return { client, thread: must(r?.body.split(' ')[1], 'the thread id in the /hold answer') };
}

describe('sync server pool', () => {
  it('grows past the floor when every thread is busy, one thread per connection', async () => {
    const server = await startStub({ threads: 2, maxThreads: 6 });
    expect(server.threads).toBe(2);
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await holdThread(server.port));
    // Three connections alive at once, each served by its own thread.
    expect(new Set(held.map((h) => h.thread)).size).toBe(3);
    expect(server.threads).toBeGreaterThanOrEqual(3);
    expect(server.busyThreads).toBe(3);
    expect(server.peakThreads).toBeLessThanOrEqual(6);
  });

  it('at the cap, a new connection waits in the backlog and is served once a thread frees up', async () => {
    const server = await startStub({ threads: 1, maxThreads: 2 });
    const first = await holdThread(server.port);
    await holdThread(server.port);
    const waiting = await connect(server.port); // the kernel completed the handshake: backlog
    await waiting.write(get('/waiting'));
    expect(await waiting.read(500)).toBeNull();
    expect(server.threads).toBe(2);
    first.client.destroy();
    const r = await waiting.read(5000);
    expect(r?.status).toBe(200);
    expect(r?.body).toContain('/waiting');
    expect(r?.body.split(' ')[1]).toBe(first.thread); // the freed thread took it
  });

  it('threads above the floor retire after idling; the floor stays', async () => {
    const server = await startStub({ threads: 1, maxThreads: 4 }, { retireAfterMs: 300, acceptTickMs: 100 });
    const held = [];
    for (let i = 0; i < 3; i++) held.push(await holdThread(server.port));
    expect(server.threads).toBeGreaterThanOrEqual(3);
    for (const h of held) h.client.destroy();
    expect(await eventually(() => server.threads === 1, 8000)).toBe(true);
    // Still serving after the shrink.
    expect((await holdThread(server.port)).thread).toBeDefined();
  });

  it('keeps its one spare thread above the floor while the others are busy: no retire-and-restart', async () => {
    const server = await startStub({ threads: 1, maxThreads: 4 }, { retireAfterMs: 200, acceptTickMs: 50 });
    await holdThread(server.port);
    await holdThread(server.port);
    // Two busy threads and one spare waiting in accept().
    expect(await eventually(() => server.threads === 3 && server.startedThreads === 3, 8000)).toBe(true);
    // Many retire periods later: the spare is still the same thread, not one restarted each period.
    await new Promise((r) => setTimeout(r, 1000));
    expect(server.threads).toBe(3);
    expect(server.startedThreads).toBe(3);
  });

  it('a connection reset mid-request ends that connection only', async () => {
    const server = await startStub({ threads: 1, maxThreads: 1 });
    const doomed = await connect(server.port);
    await doomed.write(get('/slow?200'));
    // RST while the thread is inside the handler: its send() then fails (EPIPE/ECONNRESET).
    doomed.reset();
    const next = await holdThread(server.port);
    expect(next.thread).toBeDefined();
  });
});

describe('sync server pipelining', () => {
  it('answers every pipelined request even when their answers exceed the output budget', async () => {
    // 40 x 64 KiB = 2.5 MiB of answers, sent as one write: past the session's 256 KiB budget
    // the engine holds requests back (`more`) and nothing new will ever arrive to trigger
    // another recv(), so the thread must resume() until the session has caught up.
    const server = await startStub({ threads: 1, maxThreads: 1 });
    const client = await connect(server.port);
    const count = 40;
    await client.write(Array.from({ length: count }, (_, i) => get(`/big?${65_536 + i}`)).join(''));
    for (let i = 0; i < count; i++) {
      const r = await client.read(10_000);
      expect(r?.status).toBe(200);
      expect(r!.body.length).toBe(65_536 + i);
    }
  });
});

describe('sync server closing', () => {
  it('a Connection: close answer is followed by a FIN, and the connection closes', async () => {
    const server = await startStub({ threads: 1, maxThreads: 1 });
    const client = await connect(server.port);
    await client.write(get('/x', 'Connection: close\r\n'));
    expect((await client.read(5_000))?.status).toBe(200);
    // The server half-closes and waits for our FIN; the client library closes on its end.
    expect(await client.waitClosed(5_000)).toBe(true);
    // The only thread is free again once the linger ends.
    const next = await connect(server.port);
    await next.write(get('/y'));
    expect((await next.read(10_000))?.status).toBe(200);
  });
});

describe('sync server timeouts', () => {
  it('a request head not complete within the request timeout gets 408 and a close', async () => {
    const server = await startStub({ requestTimeoutMs: 300, idleTimeoutMs: 5000 });
    const c = await connect(server.port);
    await c.write('GET /partial HTTP/1.1\r\nHost: t\r\n');
    const r = await c.read(3000);
    expect(r?.status).toBe(408);
    expect(await c.waitClosed(1000)).toBe(true);
  });

  it('the request clock starts at the first byte, not at connect or the last response', async () => {
    const server = await startStub({ requestTimeoutMs: 400, idleTimeoutMs: 5000 });
    const c = await connect(server.port);
    await new Promise((r) => setTimeout(r, 600)); // idle longer than the request timeout
    await c.write('GET /late-start HTTP/1.1\r\n');
    await new Promise((r) => setTimeout(r, 100));
    await c.write('Host: t\r\n\r\n');
    expect((await c.read(3000))?.status).toBe(200);
  });

  it('an idle keep-alive connection is closed silently after the idle timeout', async () => {
    const server = await startStub({ requestTimeoutMs: 5000, idleTimeoutMs: 300 });
    const { client } = await holdThread(server.port);
    expect(await client.waitClosed(3000)).toBe(true);
    expect(await client.read(10)).toBeNull(); // no 408 for an idle connection
  });
});

describe('sync server stop', () => {
  it('finishes the request in flight, closes idle keep-alive connections, then resolves', async () => {
    const server = await startStub({ threads: 2, maxThreads: 2 }, { stopGraceMs: 10_000 });
    running.splice(running.indexOf(server), 1);
    const idle = await holdThread(server.port);
    const busy = await connect(server.port);
    await busy.write(get('/slow?800'));
    await new Promise((r) => setTimeout(r, 150));
    const started = Date.now();
    const stopped = server.close();
    const r = await busy.read(5000);
    expect(r?.status).toBe(200);
    expect(r?.body).toContain('/slow');
    expect(await idle.client.waitClosed(3000)).toBe(true);
    await stopped;
    // Resolved well before the 10 s grace: nothing had to be cut.
    expect(Date.now() - started).toBeLessThan(10_000);
    // The listening socket is gone.
    await expect(Client.connect(server.port)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('cuts a request still trickling in after the grace period, so stop always ends', async () => {
    const server = await startStub({ requestTimeoutMs: 60_000 }, { stopGraceMs: 300 });
    running.splice(running.indexOf(server), 1);
    const slow = await connect(server.port);
    await slow.write('GET /never-finished HTTP/1.1\r\n');
    await new Promise((r) => setTimeout(r, 100));
    await server.close();
    expect(await slow.waitClosed(2000)).toBe(true);
  });
});

describe('sync server over IPv6', () => {
  it('a server on ::1 answers /health over IPv6 with the key-value routes', async () => {
    const server = await startSyncServer({
      ...DEFAULT_SERVER_OPTIONS,
      host: '::1',
      port: 0,
      db: path.join(dir, 'ipv6.db'),
      threads: 1,
      maxThreads: 2,
    });
    running.push(server);
    const client = await Client.connect(server.port, '::1');
    clients.push(client);
    await client.write(get('/health'));
    expect((await client.read(10_000))?.status).toBe(200);
    // The listener is IPv6 only in address: nothing answers on 127.0.0.1 at that port.
    await expect(Client.connect(server.port, '127.0.0.1')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('a server on :: takes IPv6 and IPv4 clients (dual-stack, like Node servers)', async () => {
    const server = await startStub({ host: '::' });
    for (const host of ['::1', '127.0.0.1']) {
      const client = await Client.connect(server.port, host);
      clients.push(client);
      await client.write(get(`/from-${host}`));
      expect((await client.read(10_000))?.status).toBe(200);
    }
  });
});

describe('sync server startup errors', () => {
  it('rejects a host that is not an IP literal or localhost', async () => {
    await expect(startStub({ host: 'example.com' })).rejects.toMatchObject({ name: 'StartupError' });
    await expect(startStub({ host: 'example.com' })).rejects.toThrow(/IPv6 address \(e.g. ::1\) or "localhost", got "example.com"/);
  });

  it('a port in use is one clear line', async () => {
    const blocker = net.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const error = await startStub({ port }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('StartupError');
      expect((error as Error).message).toBe(
        `cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); pick another with --port, or 0 for any free port`,
      );
    } finally {
      blocker.close();
    }
  });

  it('an unopenable database is one clear line', async () => {
    const db = path.join(dir, 'no-such-dir', 'kv.db');
    const error = await startSyncServer({ ...DEFAULT_SERVER_OPTIONS, port: 0, db, threads: 2 }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('StartupError');
    expect((error as Error).message).toMatch(/^cannot open database ".*no-such-dir.*": /);
    expect((error as Error).message).not.toContain('\n');
  });
});
