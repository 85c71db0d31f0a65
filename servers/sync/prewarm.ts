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
import { HttpSession } from '../http/index.js';
import type { HttpLimits } from '../http/types.js';
import { createKvHandler } from '../kv/index.js';
import type { PrewarmBudget, PrewarmResult } from './worker-protocol.js';

/** Budget checks (clock reads, the caller's backlog probe) happen once per this many requests. */
const CHECK_EVERY = 64;
/** Keys the synthetic traffic cycles through, and the size of a value (the benchmark's 64 B+). */
const KEYS = 256;
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

/**
 * Runs the warm start on this thread. `threadCpuMs` reads this thread's CPU clock; `shouldStop`
 * is asked every few dozen requests (a client waiting for a thread: stop and go serve it).
 */
export function prewarm(limits: HttpLimits, budget: PrewarmBudget, threadCpuMs: () => number, shouldStop: () => boolean): PrewarmResult {
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
  const { handler, store } = createKvHandler(':memory:', { env: {} });
  // The status each synthetic request got, as the routes returned it (the engine is told, the
  // driver does not read it back out of the serialized bytes); 0 when the engine answered alone.
  let status = 0;
  const observed: typeof handler = (request) => {
    const response = handler(request);
    status = response.status;
    return response;
  };
  try {
    const { creates, cycle } = buildRequests();
    const session = new HttpSession(observed, limits);
    for (let i = 0; ; i++) {
      if (i >= budget.maxRequests) return result('requests', i);
      if (i % CHECK_EVERY === 0 && i > 0) {
        if (shouldStop()) return result('demand', i);
        if (threadCpuMs() - startCpu >= budget.maxCpuMs) return result('cpu', i);
        if (performance.now() - startWall >= budget.maxWallMs) return result('wall', i);
      }
      const request = i < creates.length ? creates[i] : cycle[(i - creates.length) % cycle.length];
      if (request === undefined) throw new Error('the synthetic request cycle is empty');
      status = 0;
      const out = session.receive(request.bytes);
      // What the driver does with a head and body before send(): join them into one buffer (warm
      // work too, so it runs here as it will in the connection loop).
      if (out.data.length > 1) Buffer.concat(out.data);
      if (status !== request.status) unexpected++;
      if (out.close) throw new Error(`the engine closed the synthetic connection at request ${i + 1} (status ${status})`);
    }
  } finally {
    store.close();
  }
}
