// Short many-connections variant (npm test): 1,000 idle keep-alive connections; the soak holds
// 5,000. See many-connections.ts.
import { afterAll, describe, it } from 'vitest';
import { cleanupTempDirs } from '../e2e/support/server-process.js';
import { describeManyConnections, expectManyConnectionsHeld, runManyConnections } from './many-connections.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const IDLE = 1_000;
const THREAD_CAP = 32;
const NORMAL = 4;

describe.each(RELIABILITY_KINDS)(`%s server with ${IDLE} idle keep-alive connections (short)`, (kind) => {
  it(`serves ${IDLE} idle connections plus a normal load without an error`, async () => {
    const options = {
      kind,
      idleConnections: IDLE,
      threadCap: THREAD_CAP,
      threadFloor: THREAD_CAP,
      normalConnections: NORMAL,
      normalLoadMs: 1_000,
      timeLimitMs: 45_000,
    };
    const r = await runManyConnections(options);
    console.info(describeManyConnections(r));
    expectManyConnectionsHeld(r, options);
  }, 60_000);
});
