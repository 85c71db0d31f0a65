// BUG (engine, servers/http/session.ts): pipelined requests amplify memory without bound.
//
// HttpSession.receive() answers EVERY complete request in the bytes it is given and returns all
// their responses at once; a driver can only apply backpressure between receive() calls. So a
// client that pipelines GETs of a large value and never reads makes the server build
// (requests in one chunk) x (value size) bytes in one go: the async driver's 16 KiB feed slice
// holds ~290 such GETs, i.e. ~145 MiB for a 512 KiB value, whatever OUTPUT_HIGH_WATER_BYTES says;
// the sync driver's 64 KiB read buffer holds ~1,100 (~570 MiB). A handful of such clients (16 KiB
// of requests each) takes a server past a GiB. Measured here: see docs/RELIABILITY.md.
//
// Proposed fix: an output budget in the engine. receive() stops calling the handler once this
// call's output passes a threshold (e.g. 256 KiB), keeps the unparsed rest in its input buffer,
// and reports it (e.g. `SessionOutput.more = true`); the driver calls receive() again with no
// new bytes once its socket has drained (async: on 'drain'; sync: right after send()).
//
// The test is marked `.fails` until then, so CI stays green while it documents the bug; when
// the fix lands it starts passing, and vitest will flag the `.fails` for removal.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, startServer } from '../e2e/support/server-process.js';
import { sleep, waitFor } from './support/concurrency.js';
import { pipelineWithoutReading } from './support/hostile-clients.js';
import { KeepAliveClient } from './support/keep-alive-client.js';
import { RELIABILITY_KINDS } from './support/kinds.js';
import { keyPath, putRequest } from './support/kv-requests.js';
import { mib, readProcStatus } from './support/proc-status.js';

afterAll(() => cleanupTempDirs());

const VALUE_BYTES = 512 * 1024;
const CLIENTS = 4;
const PIPELINED = 200;
/** The longest each client holds its unread requests: long enough for a server to have built all
 *  200 responses even on a busy machine (it builds them at tens of MB/s under load). The clients
 *  let go as soon as the server's peak RSS has grown past the allowance (the bug is then shown),
 *  so with the bug this test takes about a second, and only a fixed server waits it out. */
const HOLD_MS = 6_000;
/** What a server may add for 4 such clients: their unsent output should be bounded by a few
 *  high-water marks, not by 200 x 512 KiB each. */
const ALLOWED_GROWTH_MIB = 64;

describe.each(RELIABILITY_KINDS)('%s server, clients pipelining GETs of a large value without reading', (kind) => {
  it.fails('keeps its memory bounded (fails: engine answers a whole chunk of pipelined requests at once)', async () => {
    const server = await startServer(kind, ['--threads', '4']);
    try {
      const setup = await KeepAliveClient.connect(server.port);
      expect((await setup.request(putRequest('large', randomBytes(VALUE_BYTES)))).status).toBe(201);
      setup.close();
      await sleep(200);
      const pid = server.child.pid!;
      const before = readProcStatus(pid).vmHwmKb;
      const grownPast = (kb: number) => mib(readProcStatus(pid).vmHwmKb - before) >= kb;
      const release = waitFor(() => grownPast(ALLOWED_GROWTH_MIB), HOLD_MS, 50);
      await Promise.all(Array.from({ length: CLIENTS }, () => pipelineWithoutReading(server.port, keyPath('large'), PIPELINED, HOLD_MS, release)));
      const peak = readProcStatus(pid).vmHwmKb;
      console.info(`[reliability] pipelining ${kind}: ${CLIENTS} clients x ${PIPELINED} unread GETs of ${VALUE_BYTES / 1024} KiB: peak RSS ${mib(before)} -> ${mib(peak)} MiB`);
      expect(mib(peak - before)).toBeLessThan(ALLOWED_GROWTH_MIB);
    } finally {
      await server.stop('SIGTERM');
    }
  }, 30_000);
});
