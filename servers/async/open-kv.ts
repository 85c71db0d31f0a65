// Opening the key-value store with a startup error a user can act on (bad path, unwritable
// directory, not a database), shared by the async and reference servers.
import { createKvHandler } from '../kv/index.js';
import { StartupError, type ServerOptions } from '../options.js';

export type OpenedKv = ReturnType<typeof createKvHandler>;

export function openKvOrExplain(options: ServerOptions): OpenedKv {
  try {
    return createKvHandler(options.db, { synchronous: options.synchronous });
  } catch (err) {
    throw new StartupError(`cannot open database "${options.db}": ${(err as Error).message}`);
  }
}
