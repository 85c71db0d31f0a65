// Options shared by every server (async, sync, reference, floor), and the contract each
// server module follows so that `mkvss-lab serve <kind>` can start any of them the same way.
import type { HttpLimits } from './http/types.js';

export const SERVER_KINDS = ['async', 'sync', 'reference', 'floor'] as const;
export type ServerKind = (typeof SERVER_KINDS)[number];

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

export const DEFAULT_LIMITS: HttpLimits = {
  maxRequestLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024,
};

export const DEFAULT_SERVER_OPTIONS: ServerOptions = {
  host: '127.0.0.1',
  port: 8080,
  db: 'mkvss.db',
  synchronous: 'NORMAL',
  workers: 1,
  threads: 16,
  maxThreads: 512,
  prewarm: true,
  limits: DEFAULT_LIMITS,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 30_000,
  maxConnections: 10_000,
};

/** A started server. `close()` is the graceful stop: stop accepting, finish in-flight work,
 *  close idle connections and the database, then resolve. */
export interface RunningServer {
  port: number;
  close(): Promise<void>;
}

/** Every servers/<kind>/server.ts exports `start` with this signature. Startup failures reject
 *  with a StartupError whose message is one clear line for the user. */
export type StartServer = (options: ServerOptions) => Promise<RunningServer>;

export class StartupError extends Error {
  override name = 'StartupError';
}
