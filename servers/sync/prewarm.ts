// The warm start of one sync thread ("prewarm"): before its first accept(), a thread of the
// pool's floor (pool.ts: only those, before the server is ready) drives
// synthetic keep-alive traffic through its own hot path — the engine (HttpSession: parse,
// serialize), the real key-value routes, and a SQLite store — so that V8 has profiled and
// optimized that code in this thread's isolate before a client pays for it.
//
// Why per thread: every worker thread is its own V8 isolate with its own JIT, and under load
// each of N threads sees 1/N of the traffic, so without this each compiles the same engine
// code on its own share of the requests, for tens of seconds (docs/SYNC.md has the figures).
//
// The store is a scratch `:memory:` SQLite database opened here and closed at the end: the
// real database is never touched, so prewarm leaves no rows and takes no locks. No socket is
// involved either (the syscalls need no warming: they are the same C code for every thread).
//
// Bounded three ways, whichever comes first: a number of requests, the thread's own CPU time,
// and wall time (a loaded machine stretches CPU time into much more wall time). And it yields:
// the caller's `shouldStop` (a connection waiting in the accept backlog) ends it early, so a
// warm start never makes a client wait for a thread.
import { performance } from 'node:perf_hooks';
import { HttpSession, serializedStatus } from '../http/index.js';
import type { HttpLimits } from '../http/types.js';
import { createKvHandler } from '../kv/index.js';
import type { PrewarmBudget, PrewarmResult } from './worker-protocol.js';
import { AF_UNIX, SOCK_CLOEXEC, SOCK_SEQPACKET, SHUT_WR, SyscallError, libc } from './libc.js';
import { connectionContext, serveConnection } from './connection.js';
import { SharedState, createSharedState } from './shared-state.js';

/** Budget checks (clock reads, the caller's backlog probe) happen once per this many requests. */
const CHECK_EVERY = 64;
/** Keys the synthetic traffic cycles through, and the size of a value (the benchmark's 64 B+). */
const KEYS = 64;
const VALUE = 'v'.repeat(100);

interface SyntheticRequest {
  bytes: Buffer;
  /** The status its answer must have. */
  status: number;
}

/**
 * The synthetic traffic: first the keys are created, then a cycle in the proportions of the
 * benchmark workloads (per 32 requests: 24 GET hits, 4 PUTs, the CRUD cycle's POST and DELETE,
 * a GET miss and a health check), written the way load drivers write them: one request per
 * chunk, as recv() would return it.
 */
function buildRequests(): { creates: SyntheticRequest[]; cycle: SyntheticRequest[] } {
  const request = (text: string, status: number) => ({ bytes: Buffer.from(text, 'latin1'), status });
  const get = (path: string, status: number) => request(`GET ${path} HTTP/1.1\r\nHost: prewarm\r\n\r\n`, status);
  const withBody = (method: string, path: string, body: string, status: number) =>
    request(`${method} ${path} HTTP/1.1\r\nHost: prewarm\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`, status);
  // First every key is created, so the GETs that follow are hits.
  const creates: SyntheticRequest[] = [];
  for (let k = 0; k < KEYS; k++) creates.push(withBody('PUT', `/keys/k${k}`, VALUE, 201));
  const out: SyntheticRequest[] = [];
  for (let i = 0; i < 1024; i++) {
    const key = `k${(i * 37) % KEYS}`;
    const slot = i % 32;
    if (slot < 24) out.push(get(`/keys/${key}`, 200));
    else if (slot < 28) out.push(withBody('PUT', `/keys/${key}`, VALUE, 200));
    else if (slot === 28) out.push(withBody('POST', '/keys', JSON.stringify({ key: `c${i}`, value: VALUE }), 201));
    else if (slot === 29) out.push(request(`DELETE /keys/c${i - 1} HTTP/1.1\r\nHost: prewarm\r\n\r\n`, 200));
    else if (slot === 30) out.push(get(`/keys/missing${i}`, 404));
    else out.push(get('/health', 200));
  }
  return { creates, cycle: out };
}

/** Synthetic requests per synthetic connection (one HttpSession each, as accept() gives). */
const REQUESTS_PER_CONNECTION = 128;

/** Requests per socket pair on the connection-loop path: their records, and the answers', fit
 *  in the pair's socket buffers at once (the thread is client and server in turn). */
const LOOP_BATCH = 64;

/** The connection loop's timeouts, for the warm start's pass through it. */
export interface LoopTimeouts {
  requestTimeoutMs: number;
  idleTimeoutMs: number;
}

/**
 * Serves `requests` through the real connection loop (serveConnection: its recv()/send() calls,
 * slot updates and clocks), over an AF_UNIX SOCK_SEQPACKET pair: this thread writes the requests
 * as one record each (so each recv() returns one request, as from a load driver), shuts its
 * side for writing, serves the other side until that EOF, then reads the answers. Returns each
 * answer's status, in order, read into `answer` (the caller's buffer, reused for every batch).
 * The slot it publishes to is in a scratch SharedState: the pool never sees it (to the pool this
 * thread is still starting).
 */
function serveOverSocketPair(requests: readonly SyntheticRequest[], ctx: Parameters<typeof serveConnection>[1], answer: Buffer): number[] {
  const c = libc();
  const fds = Buffer.alloc(8);
  if (c.socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) !== 0) throw new SyscallError('socketpair', c.errno());
  const client = fds.readInt32LE(0);
  const server = fds.readInt32LE(4);
  try {
    for (const r of requests) if (c.send(client, r.bytes, r.bytes.length, 0) !== r.bytes.length) throw new SyscallError('send', c.errno());
    c.shutdown(client, SHUT_WR);
    serveConnection(server, ctx); // closes `server`
    const statuses: number[] = [];
    for (;;) {
      const n = c.recv(client, answer, answer.length, 0);
      if (n <= 0) break;
      statuses.push(serializedStatus(answer.subarray(0, n)));
    }
    return statuses;
  } finally {
    c.close(client);
  }
}

/**
 * Runs the warm start on this thread. `threadCpuMs` reads this thread's CPU clock; `shouldStop`
 * is asked every few dozen requests (a client waiting for a thread: stop and go serve it).
 *
 * Its code must reach the engine with the same shapes the connection loop will (V8 optimizes for
 * the types it has seen, and a new one deoptimizes). Measured with --trace-deopt at 50 threads,
 * when the warm start wrapped the handler to read each status and ran one session per thread:
 * every isolate's first real request deoptimized `receive` (wrong call target) and the parser's
 * `#step` (wrong map), and each thread re-optimized them on its 1/50 of the traffic over the
 * next minute. Hence: the routes' handler itself, two of them (one is a call target the real
 * one is not; two closures of one function make V8 check the function, which the real handler
 * shares), a new session per synthetic connection, each request copied into a receive buffer
 * and passed as a subarray of it; the status is read back from the serialized head.
 */
export function prewarm(
  limits: HttpLimits,
  budget: PrewarmBudget,
  threadCpuMs: () => number,
  shouldStop: () => boolean,
  /** Every other synthetic connection of the cycle then runs through the real connection loop
   *  over a socket pair (serveOverSocketPair); without it, all go straight into the engine. */
  loop?: LoopTimeouts,
): PrewarmResult {
  const startWall = performance.now();
  const startCpu = threadCpuMs();
  let unexpected = 0;
  const result = (stoppedBy: PrewarmResult['stoppedBy'], requests: number): PrewarmResult => ({
    requests,
    cpuMs: threadCpuMs() - startCpu,
    wallMs: performance.now() - startWall,
    stoppedBy,
    unexpected,
  });
  if (shouldStop()) return result('demand', 0);
  // No fault injection here (an empty env): MKVSS_FAULT_DELAY_US slows real requests only.
  const first = createKvHandler(':memory:', { env: {} });
  const second = createKvHandler(':memory:', { env: {} });
  const readBuffer = Buffer.allocUnsafe(64 * 1024);
  const answerBuffer = Buffer.allocUnsafe(64 * 1024);
  const scratchShared = new SharedState(createSharedState(1));
  try {
    const { creates, cycle } = buildRequests();
    // Synthetic connection k: the creates for store k (k = 0, 1), then REQUESTS_PER_CONNECTION of
    // the cycle each, alternating between the stores (the cycle's POST and DELETE of one key
    // land in one connection: 32 divides REQUESTS_PER_CONNECTION), and with `loop`, between the
    // engine alone and the connection loop.
    let i = 0;
    const stopReason = (): PrewarmResult['stoppedBy'] | null => {
      if (i >= budget.maxRequests) return 'requests';
      if (i % CHECK_EVERY !== 0 || i === 0) return null;
      if (shouldStop()) return 'demand';
      if (threadCpuMs() - startCpu >= budget.maxCpuMs) return 'cpu';
      if (performance.now() - startWall >= budget.maxWallMs) return 'wall';
      return null;
    };
    for (let connection = 0; ; connection++) {
      const handler = connection % 2 === 0 ? first.handler : second.handler;
      const requests =
        connection < 2
          ? creates
          : Array.from(
              { length: REQUESTS_PER_CONNECTION },
              (_, k) => cycle[(i - 2 * creates.length + k) % cycle.length] as SyntheticRequest,
            );
      if (loop && connection >= 2 && connection % 2 === 1) {
        const ctx = connectionContext({
          handler,
          limits,
          requestTimeoutMs: loop.requestTimeoutMs,
          idleTimeoutMs: loop.idleTimeoutMs,
          shared: scratchShared,
          slot: 0,
          readBuffer,
        });
        for (let at = 0; at < requests.length; at += LOOP_BATCH) {
          const why = stopReason();
          if (why) return result(why, i);
          const batch = requests.slice(at, Math.min(at + LOOP_BATCH, at + budget.maxRequests - i));
          const statuses = serveOverSocketPair(batch, ctx, answerBuffer);
          batch.forEach((request, k) => {
            if (statuses[k] !== request.status) unexpected++;
          });
          i += batch.length;
        }
        continue;
      }
      const session = new HttpSession(handler, limits);
      for (const request of requests) {
        const why = stopReason();
        if (why) return result(why, i);
        const n = request.bytes.copy(readBuffer);
        const out = session.receive(readBuffer.subarray(0, n));
        // What the driver does with a head and body before send(): join them into one buffer
        // (warm work too, so it runs here as it will in the connection loop).
        if (out.data.length > 1) Buffer.concat(out.data);
        const status = serializedStatus(out.data[0]);
        if (status !== request.status) unexpected++;
        i++;
        if (out.close) throw new Error(`the engine closed the synthetic connection at request ${i} (status ${status})`);
      }
    }
  } finally {
    first.store.close();
    second.store.close();
  }
}
