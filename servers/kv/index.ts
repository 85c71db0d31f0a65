// What the drivers use: a ready handler over an open store, with fault injection applied.
import type { Handler } from '../http/types.js';
import { withFaultInjection } from './fault.js';
import { createRoutes } from './routes.js';
import { openStore, type KvStore, type StoreOptions } from './store.js';

export interface KvHandlerOptions extends StoreOptions {
  /** Where MKVSS_FAULT_DELAY_US is read from; default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** Opens the store at `file` and builds the routes over it. Throws a one-line Error on failure. */
export function createKvHandler(file: string, options: KvHandlerOptions = {}): { handler: Handler; store: KvStore } {
  const { env, ...storeOptions } = options;
  const store = openStore(file, storeOptions);
  try {
    return { handler: withFaultInjection(createRoutes(store), env), store };
  } catch (error) {
    store.close(); // a bad MKVSS_FAULT_DELAY_US must not leave the database open
    throw error;
  }
}

export { openStore, createRoutes, withFaultInjection };
export type { KvStore, StoreOptions };
export { MAX_KEY_BYTES } from './keys.js';
export { seedDatabase, seedValue } from './seed.js';
export { countRowsReadOnly, truncateWal } from './maintenance.js';
