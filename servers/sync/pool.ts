// The thread pool, from the main thread: start the floor, grow while every thread is busy,
// let idle threads above the floor retire, and stop gracefully.
//
// The main thread never blocks and never polls. It learns each thread's state from messages
// (one "busy" when accept() returns, one "idle" when the connection closes), and it reaches
// threads blocked in the kernel with syscalls on their sockets:
// - shutdown(listen_fd, SHUT_RDWR) wakes every thread blocked in accept() (EINVAL);
// - shutdown(conn_fd, SHUT_RD) wakes a thread blocked in recv() on an idle keep-alive
//   connection (recv returns 0), using the fd the thread published in SharedState.
import { Worker } from 'node:worker_threads';
import { SHUT_RD, SHUT_RDWR, SO_RCVTIMEO, acceptBacklogLength, libc, setTimeoutOption } from './libc.js';
import { ACTIVE, IDLE, SharedState, createSharedState } from './shared-state.js';
import type { PrewarmResult, WorkerConfig, WorkerMessage } from './worker-protocol.js';

/** WorkerConfig minus what the pool fills in per thread. */
export type PoolConfig = Omit<WorkerConfig, 'slot' | 'shared' | 'floor'>;

export interface PoolOptions {
  config: PoolConfig;
  /** Threads started up front, never retired. */
  floor: number;
  /** Most threads; past it new connections wait in the kernel's accept backlog. */
  cap: number;
  /** While the pool is above its floor, idle threads wake from accept() this often to see
   *  whether they may retire (SO_RCVTIMEO on the listening socket). At the floor: never. */
  acceptTickMs: number;
  /** Where the compiled worker lives (default: worker.js next to this file). */
  workerUrl?: URL;
  /** The floor's warm starts together use at most this much CPU (ms): each floor thread's
   *  prewarm CPU budget (config.prewarm) is at most this divided by the floor, so that
   *  readiness, which waits for the floor, stays bounded however large the floor. Default: no
   *  total. */
  floorPrewarmCpuMs?: number;
}

type ThreadState = 'starting' | 'idle' | 'busy';

/** The warm starts so far, summed over threads. */
export interface PrewarmTotals {
  /** Threads that ran any synthetic request. */
  threads: number;
  requests: number;
  cpuMs: number;
  /** Threads whose warm start a waiting connection cut short (or skipped). */
  cutByDemand: number;
}

interface Thread {
  worker: Worker;
  state: ThreadState;
  retired: boolean;
  /** Could not open its database: do not replace it in a loop. */
  failed: boolean;
  /** Its database is closed (or was never opened): nothing of it is left to wait for. */
  done: boolean;
}

/**
 * Most threads starting at once: as many as are already up (so the pool at most doubles per
 * generation of starts), and at least MIN_STARTING. Starting a thread is CPU-bound (~150-200 ms
 * of CPU here: a V8 isolate and Node environment, the module graph, better-sqlite3 and the
 * database connection), and under load the starting threads share the CPU with the busy ones,
 * each runnable thread getting an equal share. A fixed 8 starting beside 16-100 busy threads got
 * a small fraction of the CPU: ~4 threads a second, 100 connections waited over 15 s. All the
 * needed threads at once take the largest share, but they all come up together at the end, so
 * no waiting connection is served before the last one. Doubling is both: the first new threads
 * serve within a second or two, and the share grows with the pool (docs/SYNC.md has figures).
 */
const MIN_STARTING = 8;

export class WorkerPool {
  readonly #options: PoolOptions;
  readonly #sharedBuffer: SharedArrayBuffer;
  readonly #shared: SharedState;
  readonly #threads = new Map<number, Thread>();
  readonly #freeSlots: number[];
  readonly #counts: Record<ThreadState, number> = { starting: 0, idle: 0, busy: 0 };
  #stopping = false;
  #peak = 0;
  #started = 0;
  #ticking = false;
  readonly #prewarm: PrewarmTotals = { threads: 0, requests: 0, cpuMs: 0, cutByDemand: 0 };
  /** Resolves when, during stop(), every thread has closed its database. */
  #allDone: (() => void) | null = null;
  /** A thread that failed to open its database: startup rejects with this. */
  #startupFailure: ((message: string) => void) | null = null;

  constructor(options: PoolOptions) {
    if (!(options.floor >= 1 && options.cap >= options.floor)) {
      throw new Error(`thread pool needs 1 <= threads <= max threads, got ${options.floor} and ${options.cap}`);
    }
    this.#options = options;
    this.#sharedBuffer = createSharedState(options.cap);
    this.#shared = new SharedState(this.#sharedBuffer);
    this.#freeSlots = Array.from({ length: options.cap }, (_, i) => options.cap - 1 - i);
  }

  /** Threads alive (starting, idle in accept, or serving a connection). */
  get size(): number {
    return this.#threads.size;
  }
  get busy(): number {
    return this.#counts.busy;
  }
  /** The most threads alive at once since start. */
  get peak(): number {
    return this.#peak;
  }
  /** Threads started since start (the floor included). */
  get started(): number {
    return this.#started;
  }
  get prewarmTotals(): PrewarmTotals {
    return { ...this.#prewarm };
  }

  #countPrewarm(result: PrewarmResult | undefined): void {
    if (!result) return;
    if (result.requests > 0) this.#prewarm.threads++;
    this.#prewarm.requests += result.requests;
    this.#prewarm.cpuMs += result.cpuMs;
    if (result.stoppedBy === 'demand') this.#prewarm.cutByDemand++;
  }

  /**
   * Starts the floor and resolves once every thread has its database open. The first thread
   * starts alone: it creates the schema and switches the file to WAL, which concurrent first
   * openers would race on. Rejects with the thread's one-line reason if one fails.
   */
  async start(): Promise<void> {
    await this.#spawnAndWait(1);
    await this.#spawnAndWait(this.#options.floor - 1);
  }

  /**
   * The warm-start budget of a floor thread (see PoolOptions.floorPrewarmCpuMs). Only the floor
   * warms, before the server is ready: a thread started later (growth, the spare, a replacement)
   * starts while clients are being served, and its warm-up would take CPU from them: on one core
   * at 50 connections the spare's warm start (its share of ~0.5 s with the compilation it
   * queues) landed in the first seconds of load. Such a thread warms on its own traffic.
   */
  #floorPrewarm(): WorkerConfig['prewarm'] {
    const { prewarm } = this.#options.config;
    const total = this.#options.floorPrewarmCpuMs;
    if (!prewarm || total === undefined) return prewarm;
    return { ...prewarm, maxCpuMs: Math.min(prewarm.maxCpuMs, total / this.#options.floor) };
  }

  #spawnAndWait(count: number): Promise<void> {
    if (count <= 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let waiting = count;
      this.#startupFailure = (message) => reject(new Error(message));
      for (let i = 0; i < count; i++) {
        this.#spawn(this.#floorPrewarm(), () => {
          if (--waiting === 0) {
            this.#startupFailure = null;
            resolve();
          }
        });
      }
    });
  }

  #setState(thread: Thread, state: ThreadState): void {
    this.#counts[thread.state]--;
    thread.state = state;
    this.#counts[state]++;
  }

  #spawn(prewarm: WorkerConfig['prewarm'] = null, onReady?: () => void): void {
    const slot = this.#freeSlots.pop();
    if (slot === undefined) return;
    const config: WorkerConfig = { ...this.#options.config, prewarm, slot, shared: this.#sharedBuffer, floor: this.#options.floor };
    this.#shared.addLive();
    this.#started++;
    const worker = new Worker(this.#options.workerUrl ?? new URL('./worker.js', import.meta.url), { workerData: config });
    const thread: Thread = { worker, state: 'starting', retired: false, failed: false, done: false };
    this.#counts.starting++;
    this.#threads.set(slot, thread);
    this.#peak = Math.max(this.#peak, this.#threads.size);
    this.#updateAcceptTick();

    worker.on('message', (message: WorkerMessage) => {
      switch (message.type) {
        case 'ready':
          this.#countPrewarm(message.prewarm);
          this.#setState(thread, 'idle');
          onReady?.();
          this.#grow();
          break;
        case 'failed':
          thread.failed = true;
          this.#markDone(thread);
          this.#startupFailure?.(message.message);
          if (!this.#startupFailure) process.stderr.write(`sync server: a new thread could not start: ${message.message}\n`);
          break;
        case 'busy':
          this.#setState(thread, 'busy');
          this.#grow();
          break;
        case 'idle':
          this.#setState(thread, 'idle');
          break;
        case 'retired':
          thread.retired = true;
          break;
        case 'closed':
          this.#markDone(thread);
          break;
      }
    });
    worker.on('error', (error) => {
      process.stderr.write(`sync server: thread ${slot} crashed: ${error.stack ?? error}\n`);
      this.#startupFailure?.(`a server thread crashed while starting: ${error.message}`);
    });
    worker.on('exit', () => {
      this.#counts[thread.state]--;
      this.#threads.delete(slot);
      this.#freeSlots.push(slot);
      // A retiring thread took itself off the live count; a crashed one did not.
      if (!thread.retired) this.#shared.removeLive();
      this.#markDone(thread);
      if (this.#stopping) return;
      this.#updateAcceptTick();
      if (thread.failed) return;
      // Keep the floor even if a thread died; and a thread gone while all others are busy is
      // capacity the next connection needs.
      if (this.#threads.size < this.#options.floor && !this.#startupFailure) this.#spawn();
      this.#grow();
    });
  }

  /**
   * Idle threads need a periodic wake-up only while some of them may retire. A thread takes
   * the socket's SO_RCVTIMEO when it enters accept(), so: the pool grows only when every thread
   * is busy, and each of them re-enters accept() with the tick; back at the floor, the ones
   * blocked with the tick wake once more and then block without it. An idle pool at its floor
   * makes no wake-ups at all.
   */
  #updateAcceptTick(): void {
    const ticking = this.#threads.size > this.#options.floor;
    if (ticking === this.#ticking) return;
    this.#ticking = ticking;
    setTimeoutOption(this.#options.config.listenFd, SO_RCVTIMEO, ticking ? this.#options.acceptTickMs : 0);
  }

  #markDone(thread: Thread): void {
    thread.done = true;
    if (this.#stopping && [...this.#threads.values()].every((t) => t.done)) this.#allDone?.();
  }

  /**
   * Keeps one thread more than the demand in sight, up to the cap: every connection waiting in
   * the accept backlog (read with TCP_INFO on the listening socket) plus one spare should have
   * an idle or starting thread. The spare matters: the main thread learns about new connections
   * only from a thread that accepted one ("busy"), so one thread must always be free to accept.
   * Called on every busy/ready/exit, never on a timer.
   */
  #grow(): void {
    if (this.#stopping || this.#startupFailure) return;
    const waiting = Math.max(0, acceptBacklogLength(this.#options.config.listenFd));
    const available = this.#counts.idle + this.#counts.starting;
    const wanted = waiting + 1 - available;
    const maxStarting = Math.max(MIN_STARTING, this.#counts.idle + this.#counts.busy);
    const room = Math.min(this.#options.cap - this.#threads.size, maxStarting - this.#counts.starting);
    for (let i = 0; i < Math.min(wanted, room); i++) this.#spawn();
  }

  /**
   * Graceful stop: no new connections, each thread finishes the request it is serving, idle
   * keep-alive connections are closed, every database is checkpointed and closed.
   * Threads still inside a request after `graceMs` (a client trickling a request or not reading
   * its response) have their connection shut down so the stop still ends.
   */
  async stop(listenFd: number, graceMs: number): Promise<void> {
    if (this.#stopping) return;
    this.#stopping = true;
    const c = libc();
    // Done when every database is closed, not when every thread has ended: tearing down a
    // worker's V8 isolate costs tens of ms of CPU each, seconds for hundreds of threads, and
    // nothing is left to wait for once its database is closed (process exit finishes them).
    const allDone = new Promise<void>((resolve) => {
      this.#allDone = resolve;
      if ([...this.#threads.values()].every((t) => t.done)) resolve();
    });
    // Order matters: the flag first, then the wake-ups (see SharedState and connection.ts).
    this.#shared.requestStop();
    c.shutdown(listenFd, SHUT_RDWR);
    this.#shutdownConnections([IDLE], SHUT_RD);
    const force = setTimeout(() => {
      // Past the grace period: also cut connections in the middle of a request. Repeated, since
      // a thread may move between states while we look.
      const cut = () => this.#shutdownConnections([ACTIVE, IDLE], SHUT_RDWR);
      cut();
      const again = setInterval(cut, 100);
      void allDone.then(() => clearInterval(again));
    }, graceMs);
    await allDone;
    clearTimeout(force);
  }

  #shutdownConnections(states: readonly (typeof ACTIVE | typeof IDLE)[], how: number): void {
    const c = libc();
    for (const slot of this.#threads.keys()) {
      this.#shared.withSlotLocked(slot, states, (fd) => c.shutdown(fd, how));
    }
  }
}
