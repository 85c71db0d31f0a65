// Is a measured figure trustworthy? Each round gets a verdict:
// - driver-bound: the load generator used >= 90% of the CPU it had, so the figure is what the
//   driver could push, a floor under the server's real limit;
// - suspect: nothing was measured, or Little's law does not hold for a closed loop
//   (in-flight requests = throughput x mean latency should equal connections x pipelining; far off
//   means time went somewhere the latency does not show, e.g. the driver queueing), or an
//   open-loop run missed its target rate.
// A cell takes the worst verdict of its rounds.
import type { Verdict } from '../schema/report-schema.js';

export const DRIVER_BOUND_SHARE = 0.9;
export const LITTLE_LOW = 0.5;
export const LITTLE_HIGH = 1.5;
export const RATE_MISS = 0.05;

export interface VerdictInput {
  requests: number;
  /** All responses per second (any status): what Little's law is about. */
  responseRate: number;
  meanLatencyUs: number;
  /** Connections x pipelining: requests in flight in a closed loop. */
  inFlight: number;
  driverCpuPct: number;
  /** CPUs' worth the driver could use (one per driver process). */
  driverCpus: number;
  /** Open loop only. */
  targetRate?: number;
  achievedRate?: number;
}

export function roundVerdict(x: VerdictInput): { verdict: Verdict; reasons: string[] } {
  const reasons: string[] = [];
  let verdict: Verdict = 'ok';
  if (x.requests === 0) {
    return { verdict: 'suspect', reasons: ['no requests completed'] };
  }
  if (x.targetRate !== undefined) {
    const achieved = x.achievedRate ?? 0;
    if (achieved < x.targetRate * (1 - RATE_MISS)) {
      verdict = 'suspect';
      reasons.push(`achieved ${Math.round(achieved)} req/s, below the ${Math.round(x.targetRate)} req/s target by over ${RATE_MISS * 100}%`);
    }
  } else {
    const littles = (x.responseRate * x.meanLatencyUs) / 1e6 / x.inFlight;
    if (!(littles >= LITTLE_LOW && littles <= LITTLE_HIGH)) {
      verdict = 'suspect';
      reasons.push(
        `Little's law off: throughput x mean latency = ${((x.responseRate * x.meanLatencyUs) / 1e6).toFixed(1)} in flight, expected ~${x.inFlight} (ratio ${littles.toFixed(2)})`,
      );
    }
  }
  if (x.driverCpuPct >= DRIVER_BOUND_SHARE * 100 * x.driverCpus) {
    if (verdict === 'ok') verdict = 'driver-bound';
    reasons.push(`load generator at ${Math.round(x.driverCpuPct)}% of ${x.driverCpus * 100}% CPU: the figure is a floor, not the server's limit`);
  }
  return { verdict, reasons };
}

const RANK: Record<Verdict, number> = { ok: 0, 'driver-bound': 1, suspect: 2 };

export function worstVerdict(verdicts: readonly { verdict: Verdict; verdictReasons: string[] }[]): { verdict: Verdict; reasons: string[] } {
  let verdict: Verdict = 'ok';
  const reasons = new Set<string>();
  for (const v of verdicts) {
    if (RANK[v.verdict] > RANK[verdict]) verdict = v.verdict;
    for (const r of v.verdictReasons) reasons.add(r);
  }
  return { verdict, reasons: [...reasons] };
}

/** Writes acknowledged (and in doubt) against one database. */
export interface WriteLedger {
  /** Acknowledged creates minus acknowledged deletes. */
  netCreates: number;
  /** Creates and deletes whose answer never came (in flight when the load stopped, or on a
   *  dropped connection): they may or may not have committed. */
  uncertainCreates: number;
  uncertainDeletes: number;
}

/** The rows-written check: rows found = preloaded keys + net acknowledged creates, give or take
 *  exactly the writes in doubt. A mismatch makes the figures suspect (a lost or phantom write). */
export function checkRows(preloaded: number, writes: WriteLedger, actualRows: number): { expectedRows: number; actualRows: number; ok: boolean } {
  const expectedRows = preloaded + writes.netCreates;
  const ok = actualRows >= expectedRows - writes.uncertainDeletes && actualRows <= expectedRows + writes.uncertainCreates;
  return { expectedRows, actualRows, ok };
}
