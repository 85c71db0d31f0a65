// The sync server: the `mkvss` model in Node. A listening socket made with libc calls, and a
// pool of worker threads that each block in accept(), then serve that one connection with
// blocking recv()/send() until it closes. The main thread only starts, grows and stops the pool;
// its event loop never touches a socket. See docs/SYNC.md.
import { DEFAULT_SERVER_OPTIONS, StartupError, type RunningServer, type ServerOptions, type StartServer } from '../options.js';
import { SyscallError, createListener, errnoName, libc, parseHost } from './libc.js';
import { explainListenError } from '../listen-error.js';
import { WorkerPool, type PrewarmTotals } from './pool.js';
import { DEFAULT_FLOOR_PREWARM_CPU_MS, DEFAULT_PREWARM_BUDGET, type PrewarmBudget } from './worker-protocol.js';
import { LISTEN_BACKLOG, SHUTDOWN_GRACE_MS } from '../socket-lifecycle.js';
import v8 from 'node:v8';

/** Knobs that are not server options: fixed in production, shortened by tests. */
export interface SyncTuning {
  /** A thread above the floor idle in accept() this long leaves the pool. Default 10 s. */
  retireAfterMs?: number;
  /** How often idle threads wake from accept() to check that while the pool is above its floor
   *  (SO_RCVTIMEO on the listening socket). Default min(1 s, retireAfterMs). */
  acceptTickMs?: number;
  /** How long close() lets in-flight requests finish before cutting their connections. Default SHUTDOWN_GRACE_MS. */
  stopGraceMs?: number;
  /** Test seam: a handler module instead of the key-value API (see WorkerConfig). */
  handlerModule?: string;
  /** The warm start's bounds per floor thread, when options.prewarm is on. Default DEFAULT_PREWARM_BUDGET. */
  prewarmBudget?: PrewarmBudget;
  /** Most CPU (ms) the floor's warm starts use together. Default DEFAULT_FLOOR_PREWARM_CPU_MS. */
  floorPrewarmCpuMs?: number;
  /** After the warm starts, wait at most this long for V8's background compilation to finish
   *  before start() resolves (see backgroundCompilationSettled). Default 3 s. */
  settleMaxMs?: number;
}

export interface RunningSyncServer extends RunningServer {
  /** Threads alive now. */
  readonly threads: number;
  /** Threads serving a connection now. */
  readonly busyThreads: number;
  /** The most threads alive at once. */
  readonly peakThreads: number;
  /** Threads started since start, the floor included (growth, and replacements). */
  readonly startedThreads: number;
  /** What the warm start did so far, summed over threads (zeros with prewarm off). */
  readonly prewarm: PrewarmTotals;
}

/** The listen failure in the words every server uses (servers/listen-error.ts), keyed by the errno's name. */
function listenError(host: string, port: number, error: unknown): StartupError {
  if (error instanceof SyscallError) {
    const name = errnoName(error.errno);
    return new StartupError(explainListenError(name, host, port, `${error.syscall}() failed with ${name}`));
  }
  return new StartupError(explainListenError(undefined, host, port, (error as Error).message));
}

/**
 * Resolves once this process's CPU use falls below a quarter of a core over 100 ms, or after
 * `maxMs`. Why: the warm starts leave work queued for V8's platform threads (optimizing
 * compilation of what they profiled, concurrent GC), shared by every isolate of the process;
 * measured right after 50 threads warmed on one core, those 4 threads kept it fully busy for
 * another ~1 s, during which the first clients got no answer for up to 2 s. Waiting for that
 * makes the ready line mean what it says. Worker threads idle in accept() use no CPU, so this
 * sees only that tail (and, in an embedding process, whatever else it runs: hence the bound).
 */
async function backgroundCompilationSettled(maxMs: number): Promise<void> {
  const WINDOW_MS = 100;
  const end = performance.now() + maxMs;
  let last = process.cpuUsage();
  while (performance.now() < end) {
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const now = process.cpuUsage(last);
    last = process.cpuUsage();
    if ((now.user + now.system) / 1000 < WINDOW_MS / 4) return;
  }
}

export async function startSyncServer(options: ServerOptions, tuning: SyncTuning = {}): Promise<RunningSyncServer> {
  const { host, port } = options;
  try {
    parseHost(host);
  } catch (error) {
    throw new StartupError((error as Error).message);
  }
  if (!(options.threads >= 1 && options.maxThreads >= options.threads)) {
    throw new StartupError(`--threads must be at least 1 and at most --max-threads, got ${options.threads} and ${options.maxThreads}`);
  }
  const retireAfterMs = tuning.retireAfterMs ?? 10_000;
  let listener;
  try {
    listener = createListener(host, port, LISTEN_BACKLOG);
  } catch (error) {
    throw listenError(host, port, error);
  }
  const listenFd = listener.fd;
  // The warm start runs the key-value API; a test handler module has nothing to warm.
  const warming = options.prewarm && !tuning.handlerModule;
  // The warm start must leave every thread's code optimized. By default V8 compiles optimized
  // code on 4 background threads shared by every isolate of the process, so 50 threads warming
  // at once queue their jobs there, and most were still queued when the threads went to accept()
  // (measured, --trace-opt, 50 threads: 8,773 functions marked for optimization during the warm
  // start, 618 compiled): each thread then tiered up on its 1/50 of the traffic for a minute.
  // Compiling on the thread that asks (synchronously) makes each warm start finish its own
  // compilations. Set before the workers start (V8 reads it when an isolate is made), for the
  // process: under load too, a thread compiles on its own time, as a thread-per-connection
  // server would. With --no-prewarm V8's defaults stand (the cold model).
  if (warming) v8.setFlagsFromString('--no-concurrent-recompilation');
  const pool = new WorkerPool({
    acceptTickMs: tuning.acceptTickMs ?? Math.min(1000, retireAfterMs),
    floor: options.threads,
    cap: options.maxThreads,
    floorPrewarmCpuMs: tuning.floorPrewarmCpuMs ?? DEFAULT_FLOOR_PREWARM_CPU_MS,
    config: {
      listenFd,
      retireAfterMs,
      limits: options.limits ?? DEFAULT_SERVER_OPTIONS.limits,
      requestTimeoutMs: options.requestTimeoutMs,
      idleTimeoutMs: options.idleTimeoutMs,
      db: options.db,
      synchronous: options.synchronous,
      prewarm: warming ? (tuning.prewarmBudget ?? DEFAULT_PREWARM_BUDGET) : null,
      ...(tuning.handlerModule ? { handlerModule: tuning.handlerModule } : {}),
    },
  });
  const stopGraceMs = tuning.stopGraceMs ?? SHUTDOWN_GRACE_MS;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= pool.stop(listenFd, stopGraceMs).then(() => {
      libc().close(listenFd);
    }));

  try {
    await pool.start();
  } catch (error) {
    await close();
    throw new StartupError((error as Error).message);
  }
  if (warming) await backgroundCompilationSettled(tuning.settleMaxMs ?? 3000);

  return {
    port: listener.port,
    close,
    get threads() {
      return pool.size;
    },
    get busyThreads() {
      return pool.busy;
    },
    get peakThreads() {
      return pool.peak;
    },
    get startedThreads() {
      return pool.started;
    },
    get prewarm() {
      return pool.prewarmTotals;
    },
  };
}

export const start: StartServer = (options) => startSyncServer(options);
