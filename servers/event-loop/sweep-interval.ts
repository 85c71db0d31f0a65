// How often an event-loop server checks its connections' timers (request, idle, linger): one
// coarse sweep for all connections instead of a timer each. Shared by async (its own sweeper) and
// reference (node:http's connectionsCheckingInterval), so both time out alike.
import type { ServerOptions } from '../options.js';
import { LINGER_MS } from '../socket-lifecycle.js';

/** The sweep runs this often: a quarter of the shortest timeout, between 25 ms and 1 s, so a
 *  timeout fires at most ~25% late while thousands of connections cost one timer, not thousands. */
export function sweepIntervalMs(options: Pick<ServerOptions, 'requestTimeoutMs' | 'idleTimeoutMs'>): number {
  const shortest = Math.min(options.requestTimeoutMs, options.idleTimeoutMs, LINGER_MS);
  return Math.max(25, Math.min(1_000, Math.floor(shortest / 4)));
}
