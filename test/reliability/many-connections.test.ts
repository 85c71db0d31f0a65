// Short many-connections variant (npm test): 1,000 idle keep-alive connections; the soak holds
// 5,000. See many-connections.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs } from '../e2e/support/server-process.js';
import { describeManyConnections, runManyConnections } from './many-connections.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const IDLE = 1_000;
const THREAD_CAP = 32;
const NORMAL = 4;
/** Node's own threads in the sync process besides the pool (main, libuv pool, V8 helpers). */
const NON_POOL_THREADS = 16;

describe.each(RELIABILITY_KINDS)(`%s server with ${IDLE} idle keep-alive connections (short)`, (kind) => {
  it(`serves ${IDLE} idle connections plus a normal load without an error`, async () => {
    const r = await runManyConnections({ kind, idleConnections: IDLE, threadCap: THREAD_CAP, threadFloor: THREAD_CAP, normalConnections: NORMAL, normalLoadMs: 1_000, timeLimitMs: 45_000 });
    console.info(describeManyConnections(r));
    expect(r.failures).toBe('');
    expect(r.firstAnswered).toBe(IDLE);
    expect(r.normal.failures).toEqual([]);
    expect(r.normal.succeeded).toBe(r.normal.requests);
    expect(r.normal.requests).toBeGreaterThan(0);
    if (kind === 'async') {
      expect(r.secondAnswered).toBe(IDLE);
    } else {
      // The cap held: while the normal load owned NORMAL threads, the idle connections got the
      // rest and no more; after it left, all THREAD_CAP...
      expect(r.servedDuringHold).toBe(THREAD_CAP - NORMAL);
      expect(r.maxServedAtOnce).toBeLessThanOrEqual(THREAD_CAP);
      expect(r.peakThreads).toBeLessThanOrEqual(THREAD_CAP + NON_POOL_THREADS);
      // ...and the others really waited for threads to free up.
      expect(r.waves).toBeGreaterThanOrEqual(Math.ceil(IDLE / THREAD_CAP));
    }
  }, 60_000);
});
