// The server as a process: many concurrent connections, graceful SIGTERM (exit 0, acknowledged
// writes still there after a restart), and startup errors (one clear line, non-zero exit).
import net from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RawConnection, request, req } from './support/raw-client.js';
import { fullSuiteServers } from './support/servers-under-test.js';
import { cleanupTempDirs, runServerToExit, startServer, tempDbPath, tempDir } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

describe.each(fullSuiteServers())(
  'lifecycle of %s',
  (kind) => {
    it('serves 1,000 concurrent connections, each doing a few requests and closing', async () => {
      // All 1,000 connect at once; each does PUT, then GET + GET /health pipelined, checks every
      // answer, and closes. The blocking server runs at a modest cap (64 threads: it needs a
      // thread per open connection, and each costs ~150 ms of CPU to start here), so most
      // connections complete their handshake and wait in the kernel's accept backlog until a
      // thread frees up: they must be served late, never refused or reset. The event-loop
      // servers accept and ignore the flag and serve them all at once.
      const server = await startServer(kind, ['--max-threads', '64']);
      try {
        const connections = await Promise.all(Array.from({ length: 1000 }, () => RawConnection.connect(server.port)));
        try {
          const statuses = await Promise.all(
            connections.map(async (conn, i) => {
              // Generous: a connection may wait in the backlog for most of the run.
              const timeoutMs = 90_000;
              await conn.write(req('PUT', `/keys/c${i}`, `v${i}`));
              const put = await conn.readResponse({ timeoutMs });
              await conn.write(Buffer.concat([req('GET', `/keys/c${i}`), req('GET', '/health')]));
              const [get, health] = await conn.readResponses(2, { timeoutMs });
              // Closing frees this connection's thread for one waiting in the backlog.
              conn.destroy();
              return [put.status, get!.body.toString() === `v${i}` ? 'ok' : 'wrong', health!.status];
            }),
          );
          expect(statuses.filter(([p, g, h]) => p !== 201 || g !== 'ok' || h !== 200)).toEqual([]);
        } finally {
          for (const c of connections) c.destroy();
        }
      } finally {
        expect((await server.stop()).code).toBe(0);
      }
    }, 120_000);

    it('on SIGTERM finishes the request in flight, exits 0, and keeps every acknowledged write', async () => {
      const db = tempDbPath();
      const server = await startServer(kind, [], { db });
      const acknowledged: string[] = [];
      for (let i = 0; i < 50; i++) {
        const r = await request(server.port, req('PUT', `/keys/durable${i}`, `value ${i}`));
        if (r.status === 201) acknowledged.push(`durable${i}`);
      }
      expect(acknowledged.length).toBe(50);
      // A request in flight when the signal lands: its head is sent, its body comes after SIGTERM.
      const inFlight = await RawConnection.connect(server.port);
      await inFlight.write('PUT /keys/late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n');
      const idle = await RawConnection.connect(server.port);
      await new Promise((r) => setTimeout(r, 50));
      server.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 100));
      await inFlight.write('last').catch(() => {});
      const late = await inFlight.readResponse({ timeoutMs: 5_000 });
      expect(late.status).toBe(201);
      expect(await idle.waitClosed(5_000)).toBe(true);
      const exit = await server.exited;
      expect(exit).toEqual({ code: 0, signal: null });
      inFlight.destroy();
      idle.destroy();

      const again = await startServer(kind, [], { db });
      try {
        for (const key of [...acknowledged, 'late']) {
          expect((await request(again.port, req('GET', `/keys/${key}`))).status, key).toBe(200);
        }
      } finally {
        expect((await again.stop()).code).toBe(0);
      }
    });

    it('exits non-zero with one clear line when the port is in use', async () => {
      const blocker = net.createServer();
      await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
      const port = (blocker.address() as net.AddressInfo).port;
      try {
        const run = await runServerToExit(kind, ['--port', String(port), '--db', tempDbPath()]);
        expect(run.code).not.toBe(0);
        expect(run.code).not.toBeNull();
        const lines = run.stderr.trim().split('\n');
        expect(lines).toHaveLength(1);
        // Every server says it in the same words (servers/listen-error.ts).
        expect(lines[0]).toBe(
          `error: cannot listen on 127.0.0.1:${port}: the port is already in use (EADDRINUSE); pick another with --port, or 0 for any free port`,
        );
        expect(run.stdout).toBe('');
      } finally {
        blocker.close();
      }
    });

    it('exits non-zero with one clear line when the database path cannot be written', async () => {
      // A path below a regular file: no one can create it, not even root (chmod would not stop root).
      const file = path.join(tempDir(), 'not-a-directory');
      writeFileSync(file, 'x');
      const run = await runServerToExit(kind, ['--port', '0', '--db', path.join(file, 'kv.db')]);
      expect(run.code).not.toBe(0);
      const lines = run.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/database/);
    });

    it('exits non-zero with one clear line on a bad flag value', async () => {
      const run = await runServerToExit(kind, ['--port', 'eighty', '--db', tempDbPath()]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/--port must be a whole number/);
    });
  },
  60_000,
); // generous: a loaded two-core machine starts node processes slowly
