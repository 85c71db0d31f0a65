// What the cluster primary and its workers say to each other.
import type { RunningServer, ServerOptions } from '../options.js';
import type { ServerKind } from '../server-kinds.js';

/** Environment variable carrying the worker's WorkerSpec as JSON. */
export const WORKER_ENV = 'MKVSS_CLUSTER_WORKER';

export interface WorkerSpec {
  kind: Extract<ServerKind, 'async' | 'reference'>;
  /** URL of the module the worker imports for its OneLoopModule (the server's own server.js),
   *  passed in by that server so servers/event-loop names no server folder (no import cycle). */
  module: string;
  /** The primary's options with the concrete port filled in. */
  options: ServerOptions;
}

/** What a worker's `module` exports: one event loop in this process. */
export interface OneLoopModule {
  startOneLoop(options: ServerOptions): Promise<RunningServer>;
}

export type WorkerMessage = { type: 'listening'; port: number } | { type: 'startup-error'; message: string } | { type: 'stop' };
