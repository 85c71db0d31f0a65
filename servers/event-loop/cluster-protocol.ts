// What the cluster primary and its workers say to each other.
import type { ServerOptions } from '../options.js';
import type { ServerKind } from '../server-kinds.js';

/** Environment variable carrying the worker's WorkerSpec as JSON. */
export const WORKER_ENV = 'MKVSS_CLUSTER_WORKER';

export interface WorkerSpec {
  kind: Extract<ServerKind, 'async' | 'reference'>;
  /** The primary's options with the concrete port filled in. */
  options: ServerOptions;
}

export type WorkerMessage =
  | { type: 'listening'; port: number }
  | { type: 'startup-error'; message: string }
  | { type: 'stop' };
