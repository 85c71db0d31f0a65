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

/** Measured on this machine kind (docs/SYNC.md, "Warm start"): past about this many requests
 *  the CPU per request of one thread's hot path stops falling. */
export const DEFAULT_PREWARM_BUDGET: PrewarmBudget = { maxRequests: 4000, maxCpuMs: 400, maxWallMs: 3000 };

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
  /** Warm start before the first accept() (see prewarm.ts); null: none (--no-prewarm). */
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
