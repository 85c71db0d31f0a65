// `--workers N`: N event-loop processes sharing one port through node:cluster, each with its own
// database connection (WAL lets them share the file). The primary serves nothing itself; it
// picks the port, starts the workers, reports when all listen, and stops them gracefully.
// Used by the async and reference servers.
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { StartupError, type RunningServer, type ServerOptions } from '../options.js';
import { listenOrExplain } from './listen.js';
import { openKvOrExplain } from './open-kv.js';
import { WORKER_ENV, type WorkerMessage, type WorkerSpec } from './cluster-protocol.js';

/** How long a worker gets to stop gracefully before it is killed. */
const WORKER_STOP_MS = 8_000;

export async function startClusterPrimary(kind: WorkerSpec['kind'], options: ServerOptions): Promise<RunningServer> {
  // Open (and create) the database once here: a bad path fails as one clear line before any
  // worker starts, and the workers never race each other creating the schema.
  openKvOrExplain(options).store.close();

  // With --port 0 every worker must listen on the same concrete port, and the ready line must
  // show it: find a free one here first. (Another process could take it in between; that shows
  // up as a clear "already in use" startup error, not as workers on different ports.)
  const port = options.port === 0 ? await pickFreePort(options.host) : options.port;
  const spec: WorkerSpec = { kind, options: { ...options, port } };

  // Workers run a small entry module rather than re-running this process's argv, so that
  // start() behaves the same from the CLI, from a test, or from the benchmark.
  cluster.setupPrimary({
    exec: fileURLToPath(new URL('./cluster-worker.js', import.meta.url)),
    args: [],
    silent: false,
  });

  const workers: Worker[] = [];
  const exited = new Map<Worker, Promise<number>>();
  const ready = Promise.all(
    Array.from({ length: options.workers }, () => {
      const worker = cluster.fork({ [WORKER_ENV]: JSON.stringify(spec) });
      workers.push(worker);
      exited.set(worker, new Promise((resolve) => worker.once('exit', (code) => resolve(code ?? 1))));
      return new Promise<void>((resolve, reject) => {
        worker.on('message', (message: WorkerMessage) => {
          if (message?.type === 'listening') resolve();
          else if (message?.type === 'startup-error') reject(new StartupError(message.message));
        });
        worker.once('exit', (code) => reject(new StartupError(`a worker exited during startup (code ${code})`)));
      });
    }),
  );

  const stopWorkers = async (): Promise<void> => {
    await Promise.all(
      workers.map(async (worker) => {
        if (worker.isDead()) return;
        worker.send({ type: 'stop' } satisfies WorkerMessage);
        const killer = setTimeout(() => worker.kill('SIGKILL'), WORKER_STOP_MS);
        await exited.get(worker);
        clearTimeout(killer);
      }),
    );
  };

  try {
    await ready;
  } catch (err) {
    await stopWorkers();
    throw err;
  }

  let closed: Promise<void> | undefined;
  return {
    port,
    close: () => (closed ??= stopWorkers()),
  };
}

async function pickFreePort(host: string): Promise<number> {
  const probe = net.createServer();
  const port = await listenOrExplain(probe, host, 0);
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
