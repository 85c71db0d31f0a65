// Options shared by every server (async, sync, reference, floor), and the contract each
// server module follows so that `mkvss-lab serve <kind>` can start any of them the same way.
// (The list of kinds is servers/server-kinds.ts.)
import { DEFAULT_HTTP_LIMITS } from './http/limits.js';
import type { HttpLimits } from './http/types.js';

export interface ServerOptions {
  host: string;
  /** 0 picks a free port; the running server reports the real one. */
  port: number;
  /** SQLite database file (created when missing). Unused by the floor server. */
  db: string;
  /** SQLite synchronous mode: NORMAL (default, WAL-safe) or FULL (fsync every commit). */
  synchronous: 'NORMAL' | 'FULL';
  /** async/reference: event-loop processes sharing the port through node:cluster. */
  workers: number;
  /** sync: threads started up front (the pool's floor). */
  threads: number;
  /** sync: the pool's cap; past it new connections wait in the kernel's accept backlog. */
  maxThreads: number;
  /** sync: each thread warms its own JIT on synthetic requests (against a scratch in-memory
   *  database) before its first accept(). false (--no-prewarm) shows the cold model: each V8
   *  isolate JIT-compiles on its own share of the traffic. */
  prewarm: boolean;
  /** Protocol limits handed to the engine. */
  limits: HttpLimits;
  /** A request head must be complete within this many ms of its first byte, or 408 + close. */
  requestTimeoutMs: number;
  /** An idle keep-alive connection is closed after this many ms without a request. */
  idleTimeoutMs: number;
  /** Most open connections (async); sync is capped by maxThreads instead. */
  maxConnections: number;
}

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  port: 8080,
  db: 'mkvss.db',
  synchronous: 'NORMAL',
  workers: 1,
  threads: 16,
  maxThreads: 512,
  prewarm: true,
  // The engine's own defaults (servers/http/limits.ts): one set of numbers for every server.
  limits: { ...DEFAULT_HTTP_LIMITS },
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxConnections: 10_000,
};

/** A started server. `close()` is the graceful stop: stop accepting, finish in-flight work,
 *  close idle connections and the database, then resolve. */
export interface RunningServer {
  port: number;
  close(): Promise<void>;
  /** Resolves (never rejects) with the reason if the server gives up serving on its own — its
   *  cluster workers crash in a tight loop — once it has stopped what was left. The process
   *  should then say so and exit non-zero. Absent where that cannot happen. */
  failed?: Promise<Error>;
}

/** Every servers/<kind>/server.ts exports `start` with this signature. Startup failures reject
 *  with a StartupError whose message is one clear line for the user. */
export type StartServer = (options: ServerOptions) => Promise<RunningServer>;

export class StartupError extends Error {
  override name = 'StartupError';
}
