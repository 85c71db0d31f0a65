// From what one measurement counted to the report's Round, and from a cell's rounds to its Cell:
// the figures, the verdicts and the rows check. Pure: no servers, no I/O.
import type { Cell, FailureBreakdown, Round, ServerName, WorkloadName } from '../schema/report-schema.js';
import type { CompareSettings } from './settings.js';
import type { LoadResult, RowsCheck } from './lifecycle.js';
import type { WarmupRecord } from './steady-warmup.js';
import type { Measurement } from './schedule.js';
import { decodeHistogram, latencySummary, spread } from '../analysis/stats.js';
import { roundVerdict, worstVerdict } from '../analysis/verdict.js';
import { achievedRate } from '../load/run-load.js';

export interface RoundOutcome {
  round: Round;
  rows?: RowsCheck;
}

export function roundFrom(
  m: Measurement,
  { load, server }: LoadResult,
  startedAt: string,
  s: Pick<CompareSettings, 'rate' | 'pipelining'>,
  warmup?: WarmupRecord,
): Round {
  const windowS = load.windowMs / 1000;
  const latency = latencySummary(decodeHistogram(load.histogram), load.latencyCount > 0 ? load.latencySumUs / load.latencyCount : 0);
  const failures: FailureBreakdown = {
    unexpectedStatus: load.unexpectedStatus,
    timeouts: load.timeouts,
    connectionErrors: load.connectionErrors,
    other: load.other,
  };
  // Open loop: what the server answered by the window's end. Answers in the grace period after it
  // are late (their latency says so) and were not sustained in the window (the knee's "achieved"
  // once read 100% of offered at a step whose p99 was 215 ms).
  const achieved = s.rate !== undefined ? achievedRate(load) : undefined;
  const driverLag = {
    loopDelayP99Us: load.loopDelayP99Us,
    loopDelayMaxUs: load.loopDelayMaxUs,
    ...(load.sendLagP99Us !== null ? { sendLagP99Us: load.sendLagP99Us } : {}),
  };
  const v = roundVerdict({
    requests: load.requests,
    driverCpuPct: load.driverCpuPct,
    driverCpus: load.driverProcesses,
    driverLag,
    ...(s.rate !== undefined && achieved !== undefined ? { targetRate: s.rate, achievedRate: achieved } : {}),
  });
  return {
    round: m.round,
    order: m.order,
    startedAt,
    durationMs: Math.round(load.windowMs),
    requests: load.requests,
    expected: load.expected,
    failures,
    throughput: load.expected / windowS,
    successRate: load.requests > 0 ? load.expected / load.requests : 0,
    latency,
    histogram: load.histogram,
    serverCpuPct: server.cpuPct,
    serverPeakRssBytes: server.peakRssBytes,
    serverPeakThreads: server.peakThreads,
    driverCpuPct: load.driverCpuPct,
    driverLag,
    writesAcknowledged: load.writesAcknowledged,
    ...(achieved !== undefined ? { achievedRate: achieved } : {}),
    ...(warmup
      ? {
          warmup: {
            elapsedMs: warmup.elapsedMs,
            steady: warmup.steady,
            cpuPerRequestUs: warmup.cpuPerRequestUs,
            ...(warmup.settledUs !== undefined ? { settledUs: warmup.settledUs } : {}),
            ...(warmup.throughput ? { throughput: warmup.throughput } : {}),
          },
        }
      : {}),
    verdict: v.verdict,
    verdictReasons: v.reasons,
  };
}

export function summarizeCell(server: ServerName, workload: WorkloadName, concurrency: number, outcomes: readonly RoundOutcome[]): Cell {
  const rounds = outcomes.map((o) => o.round).sort((a, b) => a.round - b.round);
  const of = (pick: (r: Round) => number) => spread(rounds.map(pick));
  const worst = worstVerdict(rounds);
  let rowChecks = outcomes.flatMap((o) => (o.rows ? [o.rows] : []));
  // A kept server's checks are cumulative: the latest one covers all the others.
  if (rowChecks.some((r) => r.cumulative))
    rowChecks = [...outcomes]
      .sort((a, b) => b.round.order - a.round.order)
      .flatMap((o) => (o.rows ? [o.rows] : []))
      .slice(0, 1);
  const cell: Cell = {
    server,
    workload,
    concurrency,
    rounds,
    summary: {
      throughput: of((r) => r.throughput),
      successRate: of((r) => r.successRate),
      meanUs: of((r) => r.latency.meanUs),
      p50Us: of((r) => r.latency.p50Us),
      p90Us: of((r) => r.latency.p90Us),
      p99Us: of((r) => r.latency.p99Us),
      p999Us: of((r) => r.latency.p999Us),
      p9999Us: of((r) => r.latency.p9999Us),
      maxUs: of((r) => r.latency.maxUs),
      serverCpuPct: of((r) => r.serverCpuPct),
      serverPeakRssBytes: of((r) => r.serverPeakRssBytes),
      serverPeakThreads: of((r) => r.serverPeakThreads),
      driverCpuPct: of((r) => r.driverCpuPct),
    },
    verdict: worst.verdict,
    verdictReasons: worst.reasons,
  };
  // A round measured before its server was steady: its figure includes JIT warm-up.
  const unsteady = rounds.filter((r) => r.warmup && !r.warmup.steady && r.warmup.cpuPerRequestUs.length > 0);
  if (unsteady.length > 0) {
    cell.notSteadyRounds = unsteady.map((r) => r.round);
    if (cell.verdict === 'ok') cell.verdict = 'suspect';
    cell.verdictReasons.push(
      `not steady: round${unsteady.length > 1 ? 's' : ''} ${unsteady.map((r) => r.round).join(', ')} hit the warm-up cap before the server's CPU per request settled (the figure includes JIT warm-up)`,
    );
  }
  if (rowChecks.length > 0) {
    // Summed over the rounds' fresh databases (or a kept server's latest cumulative check); ok
    // only when every round's own check held.
    cell.rowsCheck = {
      expectedRows: rowChecks.reduce((a, r) => a + r.expectedRows, 0),
      actualRows: rowChecks.reduce((a, r) => a + r.actualRows, 0),
      ok: rowChecks.every((r) => r.ok),
    };
    if (!cell.rowsCheck.ok) {
      cell.verdict = 'suspect';
      const scope = rowChecks.some((r) => r.cumulative) ? 'since the server started' : 'summed over rounds';
      cell.verdictReasons.push(
        `rows written do not match acknowledged writes (expected ${cell.rowsCheck.expectedRows}, found ${cell.rowsCheck.actualRows}, ${scope})`,
      );
    }
  }
  return cell;
}
