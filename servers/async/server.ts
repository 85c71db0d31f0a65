// The event-loop server (`mkvss-lab serve async`): one node:net event loop per process, or
// `--workers N` such processes sharing the port through node:cluster. See docs/ASYNC.md.
import cluster from 'node:cluster';
import type { RunningServer, ServerOptions, StartServer } from '../options.js';
import { startClusterPrimary } from '../event-loop/cluster-primary.js';
import { startEventLoop } from './event-loop-server.js';

export const start: StartServer = (options) =>
  options.workers > 1 && cluster.isPrimary
    ? startClusterPrimary({ kind: 'async', module: import.meta.url }, options)
    : startOneLoop(options);

/** A single event loop in this process, whatever `workers` says (what each cluster worker runs). */
export function startOneLoop(options: ServerOptions): Promise<RunningServer> {
  return startEventLoop(options);
}
