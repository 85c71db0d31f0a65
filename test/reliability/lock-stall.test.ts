// While another process holds the database's write lock, a write waits up to busy_timeout (5 s,
// servers/kv/store.ts) before it is refused with 503. Reads do not need that lock (WAL), so a
// read sent meanwhile must be answered first, not after the write gives up.
//
// BUG (async, servers/async/open-kv.ts + servers/kv/store.ts): better-sqlite3 waits for the
// lock synchronously, on the event loop's only thread, so one write stuck on a lock freezes
// EVERY connection of the async server for 5 s (measured: reads under a lock took ~5.1 s on
// async, ~40 ms on sync, see docs/RELIABILITY.md); with a steady stream of writes, reads starve.
// Proposed fix: open the async server's store with a tiny busy timeout (e.g.
// `createKvHandler(db, { synchronous, busyTimeoutMs: 0 })` in open-kv.ts, so a lock answers
// 503 + Retry-After at once and the client retries), or move writes off the event loop. The
// async test is `.fails` until then; sync (one thread per connection) already passes.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, startServer } from '../e2e/support/server-process.js';
import { sleep } from './support/concurrency.js';
import { holdExclusiveLock } from './support/fault-environment.js';
import { KeepAliveClient } from './support/keep-alive-client.js';
import { getRequest, putRequest } from './support/kv-requests.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

describe.each(RELIABILITY_KINDS)('%s server, a write waiting on a lock held by another process', (kind) => {
  const test = kind === 'async' ? it.fails : it;
  test('does not hold up a read sent after it (async fails: the lock wait blocks the event loop)', async () => {
    const server = await startServer(kind, ['--threads', '4']);
    const writer = await KeepAliveClient.connect(server.port);
    const reader = await KeepAliveClient.connect(server.port);
    try {
      const value = randomBytes(64);
      expect((await writer.request(putRequest('readable', value))).status).toBe(201);
      const lock = holdExclusiveLock(server.db);
      const order: string[] = [];
      try {
        const write = writer.request(putRequest('blocked', randomBytes(64)), { timeoutMs: 20_000 }).then((r) => {
          order.push(`write ${r.status}`);
        });
        await sleep(300); // the write is now waiting on the lock
        const read = reader.request(getRequest('readable'), { timeoutMs: 20_000 }).then((r) => {
          order.push(`read ${r.status} ${r.body.equals(value) ? 'exact' : 'differs'}`);
        });
        await Promise.all([write, read]);
      } finally {
        lock.release();
      }
      expect(order).toEqual(['read 200 exact', 'write 503']);
    } finally {
      writer.close();
      reader.close();
      await server.stop('SIGTERM');
    }
  }, 30_000);
});
