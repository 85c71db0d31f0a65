// Long many-connections variant (npm run soak): 5,000 idle keep-alive connections (the test
// process and the server each hold ~5,000 descriptors; `ulimit -n` is 20,000 here, so no
// scaling down was needed). sync runs with a 128-thread cap: the other ~4,870 wait in the
// accept backlog (somaxconn 4096 here; past it the kernel drops SYNs and the clients retry
// them, which is slower but not an error). See many-connections.ts.
import { afterAll, describe, it } from 'vitest';
import { cleanupTempDirs } from '../e2e/support/server-process.js';
import { describeManyConnections, expectManyConnectionsHeld, runManyConnections } from './many-connections.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const IDLE = 5_000;
const THREAD_CAP = 128;
const NORMAL = 8;

describe.each(RELIABILITY_KINDS)(`%s server with ${IDLE} idle keep-alive connections (soak)`, (kind) => {
  it(`serves ${IDLE} idle connections plus a normal load without an error`, async () => {
    const options = {
      kind,
      idleConnections: IDLE,
      threadCap: THREAD_CAP,
      threadFloor: 16,
      normalConnections: NORMAL,
      normalLoadMs: 10_000,
      timeLimitMs: 240_000,
    };
    const r = await runManyConnections(options);
    console.info(describeManyConnections(r));
    expectManyConnectionsHeld(r, options);
  }, 300_000);
});
