// What the pool hands each worker thread at start, and the messages a worker posts back.
// Messages only report state changes (one pair per connection, not per request); anything the
// main thread must tell a worker blocked in the kernel goes through SharedState instead.
import type { HttpLimits } from '../http/types.js';

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
  /**
   * Test seam: a module URL exporting `createHandler(config) => {handler, close()}`, used instead
   * of the key-value API (lets the I/O layer be tested without a database).
   */
  handlerModule?: string;
}

export type WorkerMessage =
  /** The database is open; the thread is about to block in accept(). */
  | { type: 'ready' }
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
