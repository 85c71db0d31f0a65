// Pipelined requests must not amplify memory: a client that pipelines GETs of a large value and
// never reads would otherwise make the server build (requests in one chunk) x (value size) bytes
// at once. The engine has an output budget (HttpSession, SessionOutput.more): it stops answering
// once one call's output passes 256 KiB, keeps the rest of the input buffered, and the driver
// resumes once its socket has drained (async: on 'drain'; sync: right after its blocking send).
// Before the budget, 4 such clients took async from 58 to 275 MiB and sync from 105 to 536 MiB.
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
  it('keeps its memory bounded', async () => {
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
      await Promise.all(
        Array.from({ length: CLIENTS }, () => pipelineWithoutReading(server.port, keyPath('large'), PIPELINED, HOLD_MS, release)),
      );
      const peak = readProcStatus(pid).vmHwmKb;
      console.info(
        `[reliability] pipelining ${kind}: ${CLIENTS} clients x ${PIPELINED} unread GETs of ${VALUE_BYTES / 1024} KiB: peak RSS ${mib(before)} -> ${mib(peak)} MiB`,
      );
      expect(mib(peak - before)).toBeLessThan(ALLOWED_GROWTH_MIB);
    } finally {
      await server.stop('SIGTERM');
    }
  }, 30_000);
});
