// The gate's verdict as text: a fixed-width table for the terminal and the same table in Markdown
// (for a CI job summary). Both come from the same rows, so they never disagree, and both are laid
// out and formatted by the compare report's modules (harness/report: table.ts, format.ts).
import type { Machine } from '../schema/report-schema.js';
import type { GateBaseline, GateProcesses } from './baseline.js';
import { FAILING, type GateThresholds, type MetricRow, type MetricVerdict } from './decision.js';
import type { GateOutcome } from './loop.js';
import { formatPercent, formatRatio } from '../report/format.js';
import { alignedTable, markdownTable } from '../report/table.js';

const VERDICT_TEXT: Record<MetricVerdict, string> = {
  ok: 'ok',
  better: 'better',
  'within-noise': 'ok (within noise)',
  regression: 'REGRESSION',
  advisory: 'worse (advisory)',
  'not-measured': 'not measured',
  missing: 'MISSING (no figures)',
  new: 'new (no baseline)',
};

export interface GateSummary {
  outcome: GateOutcome;
  baseline: GateBaseline | null;
  machine: Machine;
  thresholds: GateThresholds;
  elapsedMs: number;
  /** Set when this run rewrote the baseline. */
  baselineWritten?: string;
  /** An A/B gate: the base build this checkout was measured against, in the same run. */
  against?: { ref: string; commit: string; notes: string[]; processes?: GateProcesses };
}

function figure(v: number | null): string {
  return v === null || !Number.isFinite(v) ? '-' : formatRatio(v);
}

function signed(v: number | null): string {
  if (v === null || !Number.isFinite(v)) return '-';
  return `${v >= 0 ? '+' : '−'}${formatPercent(Math.abs(v))}`;
}

/** The band as what it is: the full spread (max − min) of the per-round values over their median
 *  (from 8 rounds on, the highest and lowest set aside), not a ± interval around the median. */
function band(r: MetricRow): string {
  // A/B rows: the paired 95% interval of this ÷ base itself.
  if (r.low !== undefined && r.high !== undefined)
    return Number.isFinite(r.low) && Number.isFinite(r.high) ? `${formatRatio(r.low)}-${formatRatio(r.high)}` : '-';
  return Number.isNaN(r.band) ? '-' : formatPercent(r.band);
}

function cells(r: MetricRow, recording: boolean): string[] {
  const verdict = recording ? 'recorded' : VERDICT_TEXT[r.verdict];
  // One parenthesis per cell: "ok (within noise; too noisy to tell)", not two in a row.
  const withNote = !r.undecided
    ? verdict
    : verdict.endsWith(')')
      ? `${verdict.slice(0, -1)}; too noisy to tell)`
      : `${verdict} (too noisy to tell)`;
  return [
    r.id,
    figure(r.baseline),
    figure(r.now),
    signed(r.change),
    band(r),
    String(r.rounds),
    withNote + (r.driverBoundYardstick ? ' †' : ''),
  ];
}

const HEADER = ['metric', 'baseline', 'now', 'change', 'spread (A/A)', 'rounds', 'verdict'];
/** An A/B run's rows carry their paired 95% interval where a figures run has its spread. */
const AB_HEADER = ['metric', 'baseline', 'now', 'change', '95% interval', 'rounds', 'verdict'];
const headerOf = (s: GateSummary) => (s.against && s.thresholds.rule === 'paired-t' ? AB_HEADER : HEADER);

/** Lines above/below the table: which machine, which tolerance, what it means. */
export function contextLines(s: GateSummary): string[] {
  const lines: string[] = [];
  const t = s.thresholds;
  const tolerances = `Tolerance ${formatPercent(t.tolerance)} for throughput and efficiency (req/CPU-s), ${formatPercent(t.latencyTolerance)} for p99`;
  const spreadRule = `a metric fails only when it is worse by more than its tolerance and, as a factor, by more than the spread (A/A) of its per-round values in this run: (max − min) / median (from 8 rounds on, the highest and lowest set aside)`;
  if (s.against && t.rule === 'paired-t') {
    lines.push(
      `${tolerances}, ${formatPercent(t.waitTolerance)} for p99 at a fixed rate; "now" is the geometric mean of the per-round ratios this ÷ base, with their paired 95% t-interval; a metric fails only when it is worse by more than its tolerance AND its whole interval lies on the worse side of 1 (${s.against.processes === 'per-round' ? 'every round a fresh server process in each build, so the interval covers how much two processes of the same code differ' : "kept processes: it assumes each build's one server process is as fast as any other, see docs/GATE.md"}).`,
    );
  } else if (s.against) {
    lines.push(
      `${tolerances}, ${formatPercent(t.waitTolerance)} for p99 at a fixed rate; "now" is the median of the per-round ratios this ÷ base; ${spreadRule}.`,
    );
  } else {
    lines.push(
      `${tolerances}; ${spreadRule}, or the baseline's when wider. Figures are normalised to the floor server measured in the same run.`,
    );
  }
  const pooled = s.outcome.rows.find((r) => r.pooled !== undefined);
  if (pooled?.pooled && t.rule === 'paired-t') {
    lines.push(
      `Each server's req/s and req/CPU-s are judged on its workloads together (the ${pooled.pooled.join('+')} rows: per round, the geometric mean of the workloads' ratios; measured on the same process pair, they are nearly the same work); each workload's own row is shown, and only advisory.`,
    );
  }
  if (s.outcome.rows.some((r) => r.driverBoundYardstick)) {
    lines.push(
      `† The floor was driver-bound in most rounds (the load generator, not the floor, set its req/s), so req/s ÷ floor moved with the driver as much as with the server: shown, but advisory. The req/CPU-s rows, which do not depend on the driver's speed, decide.`,
    );
  }
  if (s.against) {
    lines.push(
      `A/B: this checkout against ${s.against.ref} (${s.against.commit.slice(0, 12)}), both built and measured in this run, each server and workload in both builds back to back (the order flipping each time${s.against.processes === 'per-round' ? '; a fresh pair of processes every round, warmed side by side' : ''}); each figure is this ÷ base in its round, so 1.000 means no change and the baseline column is 1 by definition.`,
    );
    for (const n of s.against.notes) lines.push(`Note: ${n}`);
  } else if (s.baseline) {
    if (s.baseline.machine.fingerprint !== s.machine.fingerprint) {
      lines.push(
        `Note: the baseline comes from another machine (${s.baseline.machine.cpuModel}, ${s.baseline.machine.cores} cores, node ${s.baseline.machine.node}, fingerprint ${s.baseline.machine.fingerprint}; this one is ${s.machine.fingerprint}). The figures are normalised so the comparison is allowed, but refresh the baseline on the CI machine for the tightest check.`,
      );
    } else {
      lines.push(`Baseline from this machine (fingerprint ${s.machine.fingerprint}), recorded ${s.baseline.createdAt}.`);
    }
  }
  if (s.outcome.extensions.length > 0) {
    lines.push(
      `The run was noisy: ${s.outcome.extensions.map((e) => `+${e.rounds} round(s) of ${e.workloads.join(', ')}`).join(', then ')} measured before deciding.`,
    );
  }
  for (const w of s.outcome.warnings) lines.push(`Warning: ${w}`);
  return lines;
}

export function verdictLine(s: GateSummary): string {
  const secs = (s.elapsedMs / 1000).toFixed(0);
  if (s.baselineWritten) return `Baseline written to ${s.baselineWritten} (${s.outcome.rows.length} metrics, ${secs} s). Commit it.`;
  const failed = s.outcome.rows.filter((r) => FAILING.has(r.verdict));
  const closed = s.outcome.failures ?? [];
  if (failed.length === 0 && closed.length === 0) {
    // A pass that could not see everything says so on the verdict line itself.
    const blind = s.outcome.rows.filter((r) => r.undecided).length;
    const caveat =
      blind > 0 ? `; ${blind} of ${s.outcome.rows.length} rows too noisy to see a ${formatPercent(s.thresholds.resolution)} drop` : '';
    return `PASS: no regression beyond the tolerance and the noise${caveat} (${secs} s).`;
  }
  const regressions =
    failed.length > 0
      ? [
          `${failed.length} regression(s): ${failed.map((r) => `${r.id} ${r.verdict === 'missing' ? 'missing' : signed(r.change)}`).join('; ')}`,
        ]
      : [];
  return `FAIL: ${[...closed.map((f) => f.replace(/\.$/, '')), ...regressions].join('; ')} (${secs} s).`;
}

export function renderGateTable(s: GateSummary): string {
  const rows = s.outcome.rows.map((r) => cells(r, s.baseline === null));
  const table = alignedTable(headerOf(s), rows, (i) => i > 0);
  return [...table, '', ...contextLines(s), verdictLine(s), ''].join('\n');
}

export function renderGateMarkdown(s: GateSummary): string {
  const out = ['## mkvss-lab performance gate', '', `**${verdictLine(s)}**`, ''];
  const rows = s.outcome.rows.map((r) => {
    const c = cells(r, s.baseline === null);
    if (FAILING.has(r.verdict)) c[6] = `**${c[6]}**`;
    return c;
  });
  out.push(...markdownTable(headerOf(s), rows, (i) => i > 0));
  out.push('', ...contextLines(s).map((l) => `- ${l}`), '');
  return out.join('\n');
}
