// `--workers 2`: several event-loop processes on one port (node:cluster), for async and the
// node:http control. The ready line shows the real port, every worker shares the database
// (WAL), and SIGTERM stops them all with exit 0 and no lost write.
import { afterAll, describe, expect, it } from 'vitest';
import { request, req } from './support/raw-client.js';
import { cleanupTempDirs, startServer, tempDbPath } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

describe.each(['async', 'reference'] as const)('%s with --workers 2', (kind) => {
  it('serves on the announced port from every worker, then stops gracefully', async () => {
    const db = tempDbPath();
    const server = await startServer(kind, ['--workers', '2'], { db, readyTimeoutMs: 30_000 });
    try {
      // New connections are spread across workers; writes through one are read through another.
      for (let i = 0; i < 40; i++) {
        expect((await request(server.port, req('PUT', `/keys/w${i}`, `v${i}`))).status).toBe(201);
      }
      for (let i = 0; i < 40; i++) {
        expect((await request(server.port, req('GET', `/keys/w${i}`))).body.toString()).toBe(`v${i}`);
      }
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
    const again = await startServer(kind, [], { db });
    try {
      expect((await request(again.port, req('GET', '/keys/w39'))).status).toBe(200);
    } finally {
      await again.stop();
    }
  }, 60_000);
});
