// The floor server: a canned 200 for every request, counted right under pipelining and when a
// request arrives split across writes (its figures are the benchmark's ceiling, so a miscount
// would skew every ratio).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RawConnection, req } from './support/raw-client.js';
import { cleanupTempDirs, startServer, type StartedServer } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

describe('floor server', () => {
  let server: StartedServer;
  beforeAll(async () => {
    server = await startServer('floor');
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0); // undefined: start failed
  });

  it('answers each of 100 pipelined requests (with bodies) with one 200', async () => {
    const conn = await RawConnection.connect(server.port);
    try {
      const pipeline = Buffer.concat(
        Array.from({ length: 100 }, (_, i) => (i % 2 ? req('GET', `/keys/${i}`) : req('PUT', `/keys/${i}`, 'body\r\n\r\n'))),
      );
      await conn.write(pipeline);
      const rs = await conn.readResponses(100);
      expect(rs.every((r) => r.status === 200)).toBe(true);
      await new Promise((r) => setTimeout(r, 100));
      expect(conn.buffered().length).toBe(0); // exactly 100, not more
    } finally {
      conn.destroy();
    }
  });

  it('answers a request fed one byte at a time exactly once', async () => {
    const conn = await RawConnection.connect(server.port);
    try {
      await conn.writeByteByByte(req('GET', '/health'));
      expect((await conn.readResponse()).status).toBe(200);
      await new Promise((r) => setTimeout(r, 100));
      expect(conn.buffered().length).toBe(0);
    } finally {
      conn.destroy();
    }
  });
});
