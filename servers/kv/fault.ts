// Fault injection for the CI gate's own tests: MKVSS_FAULT_DELAY_US=N makes every request spin for
// N microseconds, so the gate can be shown to catch a slower server. It spins (instead of sleeping)
// because the handler is synchronous and the point is to cost CPU time inside it, as real work does.
import type { Handler } from '../http/types.js';

export const FAULT_DELAY_ENV = 'MKVSS_FAULT_DELAY_US';

/** Upper bound on the delay: 10 s per request is already far past any useful fault. */
const MAX_DELAY_US = 10_000_000;

/** The delay configured in `env`, in microseconds (0 when unset or empty); throws on bad values. */
export function faultDelayMicros(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[FAULT_DELAY_ENV];
  if (raw === undefined || raw.trim() === '') return 0;
  if (!/^\d+$/.test(raw.trim())) {
    throw new Error(`${FAULT_DELAY_ENV} must be a whole number of microseconds, got "${raw}"`);
  }
  const micros = Number(raw.trim());
  if (micros > MAX_DELAY_US) {
    throw new Error(`${FAULT_DELAY_ENV} must be at most ${MAX_DELAY_US} (10 s), got ${micros}`);
  }
  return micros;
}

/** `handler` itself when no delay is configured (zero cost); otherwise a wrapper that spins first. */
export function withFaultInjection(handler: Handler, env: NodeJS.ProcessEnv = process.env): Handler {
  const micros = faultDelayMicros(env);
  if (micros === 0) return handler;
  const delayNs = BigInt(micros) * 1000n;
  return function delayedHandler(request) {
    const until = process.hrtime.bigint() + delayNs;
    while (process.hrtime.bigint() < until) {
      // busy-wait: see the file comment
    }
    return handler(request);
  };
}
