// The gate's measure-more loop: measure the first rounds, ask for more of the workloads whose rows
// are still too uncertain to see a `resolution` drop (while the cap and the time budget allow),
// then decide (decision.ts) and fail closed when the run could not see. The only side effects are
// the injected `measure` calls, so it runs on synthetic reports in the tests.
import type { Report, WorkloadName } from '../schema/report-schema.js';
import { extractMetrics, isOpenLoop, mergeMetrics, type MetricSamples } from './metrics.js';
import type { GateBaseline } from './baseline.js';
import { formatPercent } from '../report/format.js';
import { compareMetrics, FAILING, runIsNoisy, type GateThresholds, type MetricRow } from './decision.js';

/** What a "measure more" step asks for: these workloads, this many more interleaved rounds. */
export interface MeasureRequest {
  workloads: WorkloadName[];
  rounds: number;
}

export type Measure = (request: MeasureRequest) => Promise<Report>;

export interface GateLoopOptions {
  baseline: GateBaseline | null;
  thresholds: GateThresholds;
  workloads: WorkloadName[];
  /** Rounds of the first measurement. */
  rounds: number;
  /** Most rounds any workload gets, extensions included. */
  maxRounds: number;
  /** Rounds added per extension (capped by maxRounds). */
  extraRounds: number;
  measure: Measure;
  /** Told about every extension before it runs (for progress output). */
  onExtend?: (request: MeasureRequest, undecided: MetricRow[]) => void;
  /** Time budget for the whole loop: an extension whose projected end (from how long the rounds
   *  so far took) falls past it is not started. Omitted: no budget. */
  budgetMs?: number;
  /** Clock for the budget (injectable for tests). */
  now?: () => number;
  /** The metrics in one measured Report: floor-normalised by default, this ÷ base for an A/B gate. */
  extract?: (report: Report) => MetricSamples[];
}

export interface GateOutcome {
  rows: MetricRow[];
  metrics: MetricSamples[];
  /** Every Report measured, first one first. */
  reports: Report[];
  extensions: MeasureRequest[];
  /** True when a metric regressed, or the run cannot vouch for the code (see `failures`). */
  failed: boolean;
  /** Why the run fails besides a regressed row: a gate that could not see must not pass (a server
   *  that failed pre-flight, baseline metrics left unmeasured). */
  failures: string[];
  warnings: string[];
}

/** Rounds a workload has so far: the most any of its metrics has (they all come from the same rounds). */
function roundsOf(metrics: MetricSamples[], workload: WorkloadName): number {
  return Math.max(0, ...metrics.filter((m) => m.workload === workload).map((m) => m.values.length));
}

/**
 * Measures, extends while a throughput band is too wide to see a `resolution` drop and the cap
 * allows, then decides. The only side effects are the `measure` calls.
 */
export async function runGateLoop(o: GateLoopOptions): Promise<GateOutcome> {
  if (o.rounds < 1 || o.maxRounds < o.rounds || o.extraRounds < 1) {
    throw new RangeError(
      `rounds must be >= 1, max rounds >= rounds and extra rounds >= 1 (got ${o.rounds}, ${o.maxRounds}, ${o.extraRounds})`,
    );
  }
  const now = o.now ?? Date.now;
  const started = now();
  const reports: Report[] = [];
  const extensions: MeasureRequest[] = [];
  const warnings: string[] = [];
  const first = await o.measure({ workloads: o.workloads, rounds: o.rounds });
  // Cost of one measurement (one cell, one round), to project what an extension will take. The
  // one-off warm-up of servers kept up between steps is not part of it: extensions reuse them.
  // Counted per cell, because the first step may hold measurements extensions do not repeat (the
  // A/B gate's open-loop waiting probe).
  const warmupMs = (first.setup.warmServers ?? []).reduce((sum, w) => sum + w.elapsedMs, 0);
  const measurements = first.cells.reduce((sum, c) => sum + c.rounds.length, 0);
  const measurementMs = Math.max(0, now() - started - warmupMs) / Math.max(1, measurements);
  const cellsPerRound = (w: WorkloadName) => first.cells.filter((c) => c.workload === w && !isOpenLoop(c)).length;
  reports.push(first);
  const extract = o.extract ?? extractMetrics;
  let metrics = extract(first);
  let rows = compareMetrics(metrics, o.baseline, o.thresholds);
  for (;;) {
    const undecided = rows.filter((r) => runIsNoisy(r, o.thresholds));
    const workloads = [...new Set(undecided.flatMap((r) => r.pooled ?? [r.workload]))].filter((w) => roundsOf(metrics, w) < o.maxRounds);
    if (workloads.length === 0) break;
    const most = Math.max(...workloads.map((w) => roundsOf(metrics, w)));
    const request: MeasureRequest = { workloads, rounds: Math.min(o.extraRounds, o.maxRounds - most) };
    const projectedEnd = now() - started + measurementMs * request.rounds * request.workloads.reduce((sum, w) => sum + cellsPerRound(w), 0);
    if (o.budgetMs !== undefined && projectedEnd > o.budgetMs) {
      warnings.push(
        `more rounds of ${workloads.join(', ')} would take the gate past its ${Math.round(o.budgetMs / 1000)} s budget (about ${Math.round(projectedEnd / 1000)} s); decided with the rounds measured.`,
      );
      break;
    }
    o.onExtend?.(request, undecided);
    extensions.push(request);
    const more = await o.measure(request);
    reports.push(more);
    metrics = mergeMetrics(metrics, extract(more));
    rows = compareMetrics(metrics, o.baseline, o.thresholds);
  }
  for (const r of rows.filter((x) => x.undecided)) {
    const consequence = o.baseline
      ? 'passed without a verdict on it'
      : 'the recorded figure is uncertain; consider recording the baseline again on a quieter machine';
    const whose =
      r.runBand > o.thresholds.resolution
        ? `after ${r.rounds} rounds`
        : `in the baseline (this run: ${formatPercent(r.runBand)}; record the baseline again on a quiet machine)`;
    if (r.low !== undefined && r.high !== undefined) {
      warnings.push(
        `${r.id}: its 95% interval after ${r.rounds} rounds, ${r.low.toFixed(2)}-${r.high.toFixed(2)}, is too wide to see a ${formatPercent(o.thresholds.resolution)} drop; ${consequence}.`,
      );
      continue;
    }
    warnings.push(
      `${r.id}: the spread of its rounds is ${formatPercent(r.band)} ${whose}, too wide to see a ${formatPercent(o.thresholds.resolution)} drop; ${consequence}.`,
    );
  }
  // Fail closed. The run's settings were checked against the baseline's before measuring, so a
  // baseline metric left unmeasured is a server or a measurement that broke, not a choice; and a
  // bug in the shared engine breaks both servers at once, which leaves no row to regress at all.
  const failures: string[] = [];
  const seen = new Set<string>();
  for (const report of reports) {
    for (const p of report.preflight.filter((x) => !x.ok)) {
      const line = `${p.server} failed pre-flight (its answers differ from the expected ones) and was not measured: ${p.mismatch ?? 'no detail'}.`;
      if (!seen.has(line)) failures.push(line);
      seen.add(line);
    }
  }
  if (o.baseline) {
    const missing = rows.filter((r) => r.verdict === 'not-measured');
    const judged = rows.filter((r) => r.baseline !== null && r.now !== null);
    if (judged.length === 0)
      failures.push(`no baseline metric was measured in this run (${o.baseline.metrics.length} expected): nothing was judged.`);
    else if (missing.length > 0)
      failures.push(`${missing.length} baseline metric(s) not measured in this run: ${missing.map((r) => r.id).join('; ')}.`);
  } else if (metrics.length === 0) {
    failures.push('nothing was measured.');
  }
  return {
    rows,
    metrics,
    reports,
    extensions,
    failed: failures.length > 0 || rows.some((r) => FAILING.has(r.verdict)),
    failures,
    warnings,
  };
}
