// What the pool hands each worker thread at start, and the messages a worker posts back.
// Messages only report state changes (one pair per connection, not per request); anything the
// main thread must tell a worker blocked in the kernel goes through SharedState instead.
import type { HttpLimits } from '../http/types.js';

/** Bounds of one thread's warm start (prewarm.ts), whichever comes first. */
export interface PrewarmBudget {
  /** Most synthetic requests. */
  maxRequests: number;
  /** Most CPU time of the thread, in ms. */
  maxCpuMs: number;
  /** Most wall time, in ms (a loaded machine stretches CPU time into much more wall time). */
  maxWallMs: number;
}

/** Per thread (docs/SYNC.md, "Warm start", has the measurements behind these): one thread alone
 *  (V8 compiling on the thread, see server.ts) runs its first 1,000 synthetic requests at ~115
 *  µs of CPU each and is done compiling after ~6,000 (~400 ms of its CPU), then ~12 µs each. At
 *  50 threads on one core each thread needs a little more CPU for the same requests (caches), so
 *  450 ms. The wall bound is a safety net for a starved machine: the floor's threads warm up side
 *  by side, so on one core 50 threads need ~50x their CPU budget in wall time. */
export const DEFAULT_PREWARM_BUDGET: PrewarmBudget = { maxRequests: 12_000, maxCpuMs: 450, maxWallMs: 20_000 };

/** The whole floor's warm start uses at most this much CPU (ms) before the server is ready:
 *  450 ms per thread up to a floor of 53, less per thread above (100 threads: 240 ms each,
 *  500: 48 ms each). */
export const DEFAULT_FLOOR_PREWARM_CPU_MS = 24_000;

/** What one thread's warm start did. */
export interface PrewarmResult {
  requests: number;
  cpuMs: number;
  wallMs: number;
  /** Which bound ended it; "demand": a connection was waiting for a thread. */
  stoppedBy: 'requests' | 'cpu' | 'wall' | 'demand';
  /** Synthetic requests answered with anything but their expected status (a route change that
   *  breaks the synthetic traffic would otherwise warm the error paths instead of the hot one). */
  unexpected: number;
}

export interface WorkerConfig {
  /** The listening socket, made by the main thread; every worker blocks in accept() on it. */
  listenFd: number;
  /** This worker's connection slot in the shared state. */
  slot: number;
  shared: SharedArrayBuffer;
  /** Threads that never retire (--threads). */
  floor: number;
  /** A thread above the floor that has waited this long in accept() without a connection retires. */
  retireAfterMs: number;
  limits: HttpLimits;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  db: string;
  synchronous: 'NORMAL' | 'FULL';
  /** Warm start before the first accept() (see prewarm.ts); null: none (--no-prewarm, or a
   *  thread started after the floor). */
  prewarm: PrewarmBudget | null;
  /**
   * Test seam: a module URL exporting `createHandler(config) => {handler, close()}`, used instead
   * of the key-value API (lets the I/O layer be tested without a database).
   */
  handlerModule?: string;
}

export type WorkerMessage =
  /** The database is open (and the warm start done); the thread is about to block in accept(). */
  | { type: 'ready'; prewarm?: PrewarmResult }
  /** Opening the database (or the handler) failed: the one-line reason. */
  | { type: 'failed'; message: string }
  /** accept() returned a connection: this thread is now serving it. */
  | { type: 'busy' }
  /** The connection closed: back in accept(). */
  | { type: 'idle' }
  /** Left the pool after idling above the floor (it already decremented the live count). */
  | { type: 'retired' }
  /** Out of its loop with its database checkpointed and closed; the thread is about to end. */
  | { type: 'closed' };
