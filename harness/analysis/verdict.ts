// Is a measured figure trustworthy? Each round gets a verdict:
// - driver-bound: the load generator used >= 90% of the CPU it had, so the figure is what the
//   driver could push, a floor under the server's real limit;
// - suspect: nothing was measured; or the driver fell behind: its event loop was late by more than
//   20 ms at the 99th percentile over the window (perf_hooks.monitorEventLoopDelay in every driver
//   process), or, in an open loop, it released requests more than 20 ms after their due time at
//   the 99th percentile. Either way a response could sit unread (or a request unsent) that long
//   because the driver was busy or starved of CPU, and that time is in the latencies; or an
//   open-loop run missed its target rate by more than 5%.
// A cell takes the worst verdict of its rounds. (Little's law was the closed-loop check before: it
// holds even when the driver queues, because latency ends when the driver parses the response, so
// it could not catch the stalls it was meant to.)
import type { DriverLag, Verdict } from '../schema/report-schema.js';
import { formatMs } from '../number-format.js';

export const DRIVER_BOUND_SHARE = 0.9;
/** The driver's lag (event-loop delay or send lag, 99th percentile) above which its figures are
 *  suspect: well above the few ms an idle loop shows on a busy machine, below any stall that
 *  matters next to the latencies measured here. */
export const DRIVER_LAG_LIMIT_US = 20_000;
export const RATE_MISS = 0.05;

export interface VerdictInput {
  requests: number;
  driverCpuPct: number;
  /** CPUs' worth the driver could use (one per driver process). */
  driverCpus: number;
  driverLag: DriverLag;
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
      reasons.push(
        `achieved ${Math.round(achieved)} req/s, below the ${Math.round(x.targetRate)} req/s target by over ${RATE_MISS * 100}%`,
      );
    }
  }
  if (x.driverLag.loopDelayP99Us > DRIVER_LAG_LIMIT_US) {
    verdict = 'suspect';
    reasons.push(
      `the load generator fell behind: its event loop was ${formatMs(x.driverLag.loopDelayP99Us)} late at p99 (max ${formatMs(x.driverLag.loopDelayMaxUs)}, limit ${formatMs(DRIVER_LAG_LIMIT_US)}), so latencies include its own queueing`,
    );
  }
  if (x.driverLag.sendLagP99Us !== undefined && x.driverLag.sendLagP99Us > DRIVER_LAG_LIMIT_US) {
    verdict = 'suspect';
    reasons.push(
      `the load generator fell behind its schedule: requests went out ${formatMs(x.driverLag.sendLagP99Us)} after their due time at p99 (limit ${formatMs(DRIVER_LAG_LIMIT_US)})`,
    );
  }
  if (x.driverCpuPct >= DRIVER_BOUND_SHARE * 100 * x.driverCpus) {
    if (verdict === 'ok') verdict = 'driver-bound';
    reasons.push(
      `load generator at ${Math.round(x.driverCpuPct)}% of ${x.driverCpus * 100}% CPU: the figure is a floor, not the server's limit`,
    );
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
export function checkRows(
  preloaded: number,
  writes: WriteLedger,
  actualRows: number,
): { expectedRows: number; actualRows: number; ok: boolean } {
  const expectedRows = preloaded + writes.netCreates;
  const ok = actualRows >= expectedRows - writes.uncertainDeletes && actualRows <= expectedRows + writes.uncertainCreates;
  return { expectedRows, actualRows, ok };
}
