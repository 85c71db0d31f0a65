// Entry point of one cluster worker: start a single event loop with the primary's options, tell
// the primary, and stop gracefully when asked (or on a signal, e.g. Ctrl-C reaching the whole
// process group), exiting 0 once the database is closed.
import { StartupError, type RunningServer } from '../options.js';
import { WORKER_ENV, type OneLoopModule, type WorkerMessage, type WorkerSpec } from './cluster-protocol.js';

const spec = JSON.parse(process.env[WORKER_ENV] ?? 'null') as WorkerSpec | null;
if (spec === null || typeof process.send !== 'function') {
  process.stderr.write('error: cluster-worker.js is started by the cluster primary, not by hand\n');
  process.exit(2);
}
const send = (message: WorkerMessage) => process.send!(message);

let server: RunningServer | undefined;
let stopRequested = false;
let stopping = false;
const stop = () => {
  stopRequested = true;
  // A stop asked for while still starting waits for the start to finish (see below).
  if (server === undefined || stopping) return;
  stopping = true;
  server.close().then(
    () => process.exit(0),
    (err: Error) => {
      process.stderr.write(`error: worker ${process.pid} failed to stop: ${err.message}\n`);
      process.exit(1);
    },
  );
};
// Listening before the start: a message with no listener is lost, and the primary may ask a
// worker that is still starting to stop (shutdown while a crashed worker is being replaced).
process.on('message', (message: WorkerMessage) => {
  if (message?.type === 'stop') stop();
});
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

try {
  // The server's own module, by the URL its primary passed: this folder imports no server.
  const { startOneLoop } = (await import(spec.module)) as OneLoopModule;
  server = await startOneLoop(spec.options);
} catch (err) {
  const message = err instanceof StartupError ? err.message : `worker failed to start: ${(err as Error).message}`;
  // Exit once the message is out: exiting at once could drop it, and the primary would only
  // see an exit without its reason.
  process.send!({ type: 'startup-error', message } satisfies WorkerMessage, undefined, {}, () => process.exit(1));
}
if (server !== undefined) {
  send({ type: 'listening', port: server.port });
  if (stopRequested) stop();
}
