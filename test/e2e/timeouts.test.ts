// Timeouts against the built async and sync servers, with short values set by flags: a request
// head that does not finish in time gets 408 and a close (slowloris), an idle keep-alive
// connection is closed, and a connection that keeps sending requests is not.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseResponses } from './support/http-response.js';
import { RawConnection, req } from './support/raw-client.js';
import { fullSuiteServers } from './support/servers-under-test.js';
import { cleanupTempDirs, startServer, type StartedServer } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

const REQUEST_TIMEOUT_MS = 400;
const IDLE_TIMEOUT_MS = 700;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(fullSuiteServers())('timeouts over %s', (kind) => {
  let server: StartedServer;
  beforeAll(async () => {
    server = await startServer(kind, ['--request-timeout', `${REQUEST_TIMEOUT_MS}ms`, '--idle-timeout', `${IDLE_TIMEOUT_MS}ms`]);
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0); // undefined: start failed
  });

  it('answers 408 and closes when the request head trickles in too slowly', async () => {
    const conn = await RawConnection.connect(server.port);
    try {
      await conn.write('GET /health HTTP/1.1\r\n');
      // Keep sending bytes (so the idle timer never applies) but never finish the head.
      const trickle = (async () => {
        for (let i = 0; i < 30 && !conn.isClosed; i++) {
          await conn.write(`X-Slow-${i}: y\r\n`).catch(() => {});
          await sleep(50);
        }
      })();
      const bytes = await conn.readUntilClosed(REQUEST_TIMEOUT_MS * 6);
      await trickle;
      expect(parseResponses(bytes, { complete: true }).responses.map((r) => r.status)).toEqual([408]);
    } finally {
      conn.destroy();
    }
  });

  it('measures the request timeout from the first byte of each request, not of the connection', async () => {
    const conn = await RawConnection.connect(server.port);
    try {
      // Several quick requests spread over more than one request timeout: none of them is late.
      for (let i = 0; i < 4; i++) {
        await conn.write(req('GET', '/health'));
        expect((await conn.readResponse()).status).toBe(200);
        await sleep(REQUEST_TIMEOUT_MS / 2);
      }
      expect(conn.isClosed).toBe(false);
    } finally {
      conn.destroy();
    }
  });

  it('closes an idle keep-alive connection silently after --idle-timeout', async () => {
    const conn = await RawConnection.connect(server.port);
    try {
      await conn.write(req('GET', '/health'));
      expect((await conn.readResponse()).status).toBe(200);
      const started = Date.now();
      expect(await conn.waitClosed(IDLE_TIMEOUT_MS * 5)).toBe(true);
      expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_TIMEOUT_MS * 0.9);
      expect(conn.buffered().length).toBe(0); // no 408 for a connection that sent nothing
    } finally {
      conn.destroy();
    }
  });

  it('closes a connection that never sends a byte after --idle-timeout, with no response', async () => {
    const conn = await RawConnection.connect(server.port);
    try {
      expect(await conn.waitClosed(IDLE_TIMEOUT_MS * 5)).toBe(true);
      expect(conn.buffered().length).toBe(0);
    } finally {
      conn.destroy();
    }
  });
});
