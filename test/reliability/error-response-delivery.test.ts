// A client that is still sending when the server refuses its request (a body over --max-body, a
// header section over its limit) must still RECEIVE the refusal: "413" or "431", not a bare
// connection reset. Closing a socket that has unread input makes the kernel send RST, and a RST
// can destroy a response the client has not read yet; so a server must half-close (FIN), keep
// reading and discarding for a bounded while, and only then close (the async driver does this:
// LINGER_MS in servers/socket-lifecycle.ts).
//
// The sync driver does the same (lingerBeforeClose in servers/sync/connection.ts): FIN with
// shutdown(SHUT_WR), then recv() and discard for up to 2 s (and 16 MiB) until the peer's FIN.
// Before that fix about a third of such clients got ECONNRESET instead of the 413 under load.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, startServer } from '../e2e/support/server-process.js';
import { mapLimit } from './support/concurrency.js';
import { oversizedBody } from './support/hostile-clients.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const CLIENTS = 24;

describe.each(RELIABILITY_KINDS)('%s server refusing a body while the client still sends it', (kind) => {
  it(`delivers the 413 to every one of ${CLIENTS} clients`, async () => {
    const server = await startServer(kind, ['--threads', '8', '--max-body', '64k']);
    try {
      const outcomes = await mapLimit(CLIENTS, 8, () => oversizedBody(server.port, 100 * 1024 * 1024, 2 * 1024 * 1024, 5_000));
      const counts: Record<string, number> = {};
      for (const o of outcomes) {
        const key = o.status === 'fulfilled' ? o.value : `client error: ${(o.reason as Error).message}`;
        counts[key] = (counts[key] ?? 0) + 1;
      }
      console.info(`[reliability] error delivery ${kind}: ${JSON.stringify(counts)}`);
      expect(counts).toEqual({ '413': CLIENTS });
    } finally {
      await server.stop('SIGTERM');
    }
  }, 30_000);
});
