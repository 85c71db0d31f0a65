// Fault injection for the CI gate's own tests: two kinds of slowdown a commit can bring, so the gate
// can be shown to catch each.
//
// - MKVSS_FAULT_DELAY_US=N: every request *spins* for N µs before it is handled. This is a CPU
//   regression: it costs CPU time inside the handler, as real extra work does.
// - MKVSS_FAULT_SLEEP_US=N with MKVSS_FAULT_SLEEP_EVERY=K (default 1): one request in K *waits*
//   N µs without using CPU (Atomics.wait on a private SharedArrayBuffer: the thread is parked by the
//   kernel, as in a lock wait, a synchronous fsync or a read from a slow disk). This is a waiting
//   regression, which the CPU-per-request figures cannot see.
//
// What "waiting" does depends on the server model, and the fault is honest about that rather than
// hiding it: the kv handler is synchronous (servers/http's Handler returns the response), so the
// wait blocks the thread that runs it. In the sync server that is one connection's own thread: the
// other connections go on (that is the thread-per-connection model's point). In the async server
// it is the one event loop: every connection stalls for the wait, as an `fsyncSync` or
// `Atomics.wait` in a real event-loop handler would. A wait that does NOT block the loop (a response
// sent later, e.g. after an awaited disk write) would have to live in the async driver, which owns
// the socket; this layer only computes the response. docs/GATE.md says what each one measures.
import type { Handler } from '../http/types.js';

export const FAULT_DELAY_ENV = 'MKVSS_FAULT_DELAY_US';
export const FAULT_SLEEP_ENV = 'MKVSS_FAULT_SLEEP_US';
export const FAULT_SLEEP_EVERY_ENV = 'MKVSS_FAULT_SLEEP_EVERY';

/** Upper bound on either delay: 10 s per request is already far past any useful fault. */
const MAX_DELAY_US = 10_000_000;
/** Upper bound on "one request in K". */
const MAX_EVERY = 1_000_000_000;

// Its own parser, not cli/flags.ts's wholeNumber: these are environment variables read inside the
// server process, and servers/ imports nothing from cli/ or harness/ (they depend on servers/, not
// the other way round). A bad value throws when the kv is opened, so the server does not start.
function wholeNumber(env: NodeJS.ProcessEnv, name: string, max: number, what: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return 0;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`${name} must be a whole number ${what}, got "${raw}"`);
  const n = Number(raw.trim());
  if (n > max) throw new Error(`${name} must be at most ${max}${max === MAX_DELAY_US ? ' (10 s)' : ''}, got ${n}`);
  return n;
}

/** The busy-wait configured in `env`, in microseconds (0 when unset or empty); throws on bad values. */
export function faultDelayMicros(env: NodeJS.ProcessEnv = process.env): number {
  return wholeNumber(env, FAULT_DELAY_ENV, MAX_DELAY_US, 'of microseconds');
}

/** The sleep-like wait configured in `env`: how long, and on one request in how many (0 µs: none). */
export function faultSleep(env: NodeJS.ProcessEnv = process.env): { micros: number; every: number } {
  const micros = wholeNumber(env, FAULT_SLEEP_ENV, MAX_DELAY_US, 'of microseconds');
  const every = wholeNumber(env, FAULT_SLEEP_EVERY_ENV, MAX_EVERY, 'of requests (one in this many waits)');
  if (env[FAULT_SLEEP_EVERY_ENV]?.trim() && every === 0) throw new Error(`${FAULT_SLEEP_EVERY_ENV} must be at least 1, got 0`);
  return { micros, every: every || 1 };
}

/** `handler` itself when no fault is configured (zero cost); otherwise a wrapper that spins and/or
 *  waits first. */
export function withFaultInjection(handler: Handler, env: NodeJS.ProcessEnv = process.env): Handler {
  const micros = faultDelayMicros(env);
  const sleep = faultSleep(env);
  let faulty = handler;
  if (sleep.micros > 0) {
    const inner = faulty;
    // A counter, not a random draw: exactly one request in `every` waits, so a run's share is exact.
    let count = 0;
    const cell = new Int32Array(new SharedArrayBuffer(4));
    const waitMs = sleep.micros / 1000;
    faulty = function waitingHandler(request) {
      if (++count >= sleep.every) {
        count = 0;
        Atomics.wait(cell, 0, 0, waitMs); // nobody notifies: it returns 'timed-out' after waitMs
      }
      return inner(request);
    };
  }
  if (micros > 0) {
    const inner = faulty;
    const delayNs = BigInt(micros) * 1000n;
    faulty = function delayedHandler(request) {
      const until = process.hrtime.bigint() + delayNs;
      while (process.hrtime.bigint() < until) {
        // busy-wait: see the file comment
      }
      return inner(request);
    };
  }
  return faulty;
}
