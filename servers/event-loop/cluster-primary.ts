// `--workers N`: N event-loop processes sharing one port through node:cluster, each with its own
// database connection (WAL lets them share the file). The primary serves nothing itself; it
// picks the port, starts the workers, reports when all listen, replaces a worker that dies on
// its own (with a backoff, giving up on a crash loop), and stops them gracefully.
// Used by the async and reference servers.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { StartupError, type RunningServer, type ServerOptions } from '../options.js';
import { listenOrExplain } from './listen.js';
import { openKvOrExplain } from './open-kv.js';
import { WORKER_ENV, type WorkerMessage, type WorkerSpec } from './cluster-protocol.js';
import { RestartPolicy } from './restart-policy.js';

/** How long a worker gets to stop gracefully before it is killed. */
const WORKER_STOP_MS = 8_000;

/** One line on stderr: the operator's view of the workers coming and going. */
function log(line: string): void {
  process.stderr.write(`${line}\n`);
}

function describeExit(code: number | null, signal: string | null): string {
  return signal !== null ? `signal ${signal}` : `code ${code}`;
}

interface Forked {
  worker: Worker;
  /** Resolves when the worker listens; rejects with its startup error, or when it exits first. */
  listening: Promise<void>;
  /** Resolves when the process has exited. */
  exited: Promise<void>;
}

/** `server` says which server the workers run: its kind (for the log) and its module's URL
 *  (`new URL('./server.js', import.meta.url).href`), whose startOneLoop each worker calls. */
export async function startClusterPrimary(server: Pick<WorkerSpec, 'kind' | 'module'>, options: ServerOptions): Promise<RunningServer> {
  const { kind } = server;
  // Open (and create) the database once here: a bad path fails as one clear line before any
  // worker starts, and the workers never race each other creating the schema.
  openKvOrExplain(options).store.close();

  // With --port 0 every worker must listen on the same concrete port, and the ready line must
  // show it: find a free one here first. (Another process could take it in between; that shows
  // up as a clear "already in use" startup error, not as workers on different ports.)
  const port = options.port === 0 ? await pickFreePort(options.host) : options.port;
  const spec: WorkerSpec = { ...server, options: { ...options, port } };

  // Workers run a small entry module rather than re-running this process's argv, so that
  // start() behaves the same from the CLI, from a test, or from the benchmark.
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)),
    args: [],
    silent: false,
  });

  // starting: every exit fails start(); running: an exit is a crash, the worker is replaced;
  // stopping: exits are expected.
  let phase: 'starting' | 'running' | 'stopping' = 'starting';
  const alive = new Map<Worker, Forked>();
  const restartTimers = new Set<NodeJS.Timeout>();
  const policy = new RestartPolicy();
  let reportFailure!: (reason: Error) => void;
  const failed = new Promise<Error>((resolve) => (reportFailure = resolve));

  const fork = (): Forked => {
    const startedAt = performance.now();
    const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(spec) });
    // A message to a worker that has just died fails with an 'error' event; its 'exit' follows
    // and is what counts.
    worker.on('error', () => {});
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const listening = new Promise<void>((resolve, reject) => {
      worker.on('message', (message: WorkerMessage) => {
        if (message?.type === 'listening') resolve();
        else if (message?.type === 'startup-error') reject(new StartupError(message.message));
      });
      worker.once('exit', (code, signal) => reject(new StartupError(`a worker exited during startup (${describeExit(code, signal)})`)));
    });
    const forked: Forked = { worker, listening, exited };
    alive.set(worker, forked);
    worker.once('exit', (code: number | null, signal: string | null) => {
      alive.delete(worker);
      if (phase === 'running') onCrash(worker, performance.now() - startedAt, describeExit(code, signal));
    });
    return forked;
  };

  const onCrash = (worker: Worker, livedMs: number, how: string): void => {
    const pid = worker.process.pid;
    const decision = policy.onUnexpectedExit(livedMs);
    if (!decision.restart) {
      log(`worker ${pid} exited with ${how}; not restarting: ${decision.reason}`);
      // Stop what is left and let the caller exit non-zero: a server whose workers cannot stay
      // up must not pretend to serve.
      void close().then(() => reportFailure(new Error(`the ${kind} server's workers keep crashing (${decision.reason}); stopped`)));
      return;
    }
    log(`worker ${pid} exited with ${how}; restarting in ${decision.delayMs} ms`);
    const timer = setTimeout(() => {
      restartTimers.delete(timer);
      if (phase !== 'running') return;
      const next = fork();
      next.listening.then(
        () => log(`worker ${next.worker.process.pid} is serving (replacing worker ${pid})`),
        (err: Error) => {
          // An exit during startup is reported by the exit line; a startup error says why.
          if (!err.message.startsWith('a worker exited during startup')) {
            log(`worker ${next.worker.process.pid} could not start: ${err.message}`);
          }
        },
      );
    }, decision.delayMs);
    restartTimers.add(timer);
  };

  const stopWorkers = async (): Promise<void> => {
    phase = 'stopping';
    for (const timer of restartTimers) clearTimeout(timer);
    restartTimers.clear();
    await Promise.all(
      [...alive.values()].map(async ({ worker, exited }) => {
        if (worker.isDead()) return;
        worker.send({ type: 'stop' } satisfies WorkerMessage);
        const killer = setTimeout(() => worker.kill('SIGKILL'), WORKER_STOP_MS);
        await exited;
        clearTimeout(killer);
      }),
    );
  };
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => (closed ??= stopWorkers());

  const initial = Array.from({ length: options.workers }, () => fork());
  try {
    await Promise.all(initial.map((f) => f.listening));
  } catch (err) {
    await stopWorkers();
    throw err;
  }
  phase = 'running';

  return { port, close, failed };
}

async function pickFreePort(host: string): Promise<number> {
  const probe = net.createServer();
  const port = await listenOrExplain(probe, host, 0);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
