// Opening the key-value store for an event-loop server (async, reference), with a startup
// error a user can act on (bad path, unwritable directory, not a database).
import { createKvHandler } from '../kv/index.js';
import { StartupError, type ServerOptions } from '../options.js';

export type OpenedKv = ReturnType<typeof createKvHandler>;

/**
 * How long a write waits for a write lock held by another connection, on an event loop.
 * better-sqlite3 waits synchronously, on the loop's only thread, so the store's default (5 s,
 * right for a thread per connection) would freeze every connection of the process while one
 * write waits. 10 ms still rides out the microsecond-long commits of sibling cluster workers;
 * a longer lock (another process, a backup) answers 503 + Retry-After at once and the client
 * retries, while reads (which WAL never blocks) go on.
 */
export const EVENT_LOOP_BUSY_TIMEOUT_MS = 10;

export function openKvOrExplain(options: ServerOptions): OpenedKv {
  try {
    return createKvHandler(options.db, { synchronous: options.synchronous, busyTimeoutMs: EVENT_LOOP_BUSY_TIMEOUT_MS });
  } catch (err) {
    const message = (err as Error).message;
    // The store already names the file ("cannot open database ..."); do not say it twice.
    throw new StartupError(message.startsWith('cannot open database') ? message : `cannot open database "${options.db}": ${message}`);
  }
}
