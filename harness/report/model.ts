// What the report says, independent of how it is printed: the tables (one per workload x concurrency),
// the setup lines, pre-flight, rows-written checks and warnings. The terminal, Markdown and HTML
// renderers all print this model, so the three never disagree on a figure.
import {
  assertValidReport,
  type Cell,
  type Comparison,
  type Factor,
  type Report,
  type ServerName,
  type Spread,
  type WorkloadName,
} from '../schema/report-schema.js';
import {
  formatCount,
  formatCpuPct,
  formatMiB,
  formatMs,
  formatRate,
  formatSpread,
  formatSuccessRate,
  thousands,
  type Formatter,
} from './format.js';
import { wordFactor } from '../analysis/factors.js';
import { median } from '../analysis/stats.js';

type SummaryKey = keyof Cell['summary'];

export interface RowSpec {
  label: string;
  key: SummaryKey;
  format: Formatter;
  /** The comparison metric shown in the "x vs y" column for this row, if any. */
  metric?: Factor['metric'];
}

/** The seed's rows, in its order, plus the server/driver resources that explain them. */
export const ROWS: readonly RowSpec[] = [
  { label: 'Throughput (req/s)', key: 'throughput', format: formatRate, metric: 'throughput' },
  { label: 'Avg latency', key: 'meanUs', format: formatMs, metric: 'meanUs' },
  { label: 'P50 latency', key: 'p50Us', format: formatMs, metric: 'p50Us' },
  { label: 'P90 latency', key: 'p90Us', format: formatMs, metric: 'p90Us' },
  { label: 'P99 latency', key: 'p99Us', format: formatMs, metric: 'p99Us' },
  { label: 'P99.9 latency', key: 'p999Us', format: formatMs, metric: 'p999Us' },
  { label: 'P99.99 latency', key: 'p9999Us', format: formatMs, metric: 'p9999Us' },
  { label: 'Max latency', key: 'maxUs', format: formatMs, metric: 'maxUs' },
  { label: 'Success rate', key: 'successRate', format: formatSuccessRate, metric: 'successRate' },
  { label: 'Server CPU (% of one core)', key: 'serverCpuPct', format: formatCpuPct },
  { label: 'Server RSS (peak)', key: 'serverPeakRssBytes', format: formatMiB },
  { label: 'Server threads (peak)', key: 'serverPeakThreads', format: formatCount },
  { label: 'Driver CPU (% of one core)', key: 'driverCpuPct', format: formatCpuPct },
];

export interface TableModel {
  workload: WorkloadName;
  concurrency: number;
  title: string;
  /** First entry is the row-label column (empty), then one per server, then one per comparison. */
  header: string[];
  /** How many leading columns (label + servers) hold figures; the rest hold factor wordings. */
  figureColumns: number;
  /** Per header column: true for a server whose run was not clean (its header carries NOT_OK_MARK
   *  and `warnings` says why, once, instead of a mark on every figure of the column). */
  notOk: boolean[];
  rows: string[][];
  /** "Median of 3 rounds, min-max in brackets. Percentiles: ..." */
  caption: string;
  /** One line per server whose verdict is not ok, with its reasons. */
  warnings: string[];
}

export interface ReportModel {
  title: string;
  subtitle: string;
  tables: TableModel[];
  setup: [label: string, value: string][];
  preflight: string[];
  rowsWritten: string[];
  /** One sentence saying what the rows-written lines count. */
  rowsWrittenNote: string;
  warnings: string[];
}

/** Clear one-line error for input that is not a valid report of this version (the renderers read
 *  many nested fields): the schema's validator (harness/schema/report-schema.ts). */
export function assertReport(report: unknown): asserts report is Report {
  assertValidReport(report);
}

/** Servers in the order the run listed them, then any others found in the cells. */
export function serverOrder(report: Report): ServerName[] {
  const order = [...report.setup.servers];
  for (const c of report.cells) if (!order.includes(c.server)) order.push(c.server);
  return order;
}

/** (workload, concurrency) pairs in the run's order: workloads as listed, concurrency ascending. */
export function tableKeys(report: Report): { workload: WorkloadName; concurrency: number }[] {
  const workloads = [...report.setup.workloads];
  for (const c of report.cells) if (!workloads.includes(c.workload)) workloads.push(c.workload);
  const keys: { workload: WorkloadName; concurrency: number }[] = [];
  for (const workload of workloads) {
    const levels = [...new Set(report.cells.filter((c) => c.workload === workload).map((c) => c.concurrency))].sort((a, b) => a - b);
    for (const concurrency of levels) keys.push({ workload, concurrency });
  }
  return keys;
}

export function cellsAt(report: Report, workload: WorkloadName, concurrency: number): Cell[] {
  const order = serverOrder(report);
  return report.cells
    .filter((c) => c.workload === workload && c.concurrency === concurrency)
    .sort((a, b) => order.indexOf(a.server) - order.indexOf(b.server));
}

function comparisonsAt(report: Report, workload: WorkloadName, concurrency: number): Comparison[] {
  return report.comparisons.filter((c) => c.workload === workload && c.concurrency === concurrency);
}

function factorText(comparison: Comparison, metric: Factor['metric'] | undefined): string {
  if (!metric) return '';
  const f = comparison.factors.find((x) => x.metric === metric);
  if (!f) return '';
  if (f.wording.trim() !== '') return f.wording;
  // A report whose run left the wording out: the run's own words (analysis/factors.ts), from the stored interval.
  const call = f.tie ? 'none' : f.factor >= 1 ? 'higher' : 'lower';
  return wordFactor(f.metric, { estimate: f.factor, low: f.low, high: f.high, method: f.interval, rounds: f.rounds, call });
}

/** The mark on the header of a column whose server's run was not clean; its footnote starts with it too. */
export const NOT_OK_MARK = '⚠';

/** What a verdict means for the figures of its column (the footnote under the table). */
const VERDICT_MEANING: Record<Exclude<Cell['verdict'], 'ok'>, string> = {
  'driver-bound':
    "the load generator, not the server, was the limit, so every figure in this column is what the driver could push (a floor under the server's capacity)",
  suspect: 'the run did not hold together, so no figure in this column should be quoted',
};

/** Rows the lab cannot sample on a server it did not start (a remote target). */
const SERVER_SAMPLED: ReadonlySet<SummaryKey> = new Set<SummaryKey>(['serverCpuPct', 'serverPeakRssBytes', 'serverPeakThreads']);
export const NOT_SAMPLED = 'remote: not sampled';

function figure(cell: Cell, row: RowSpec): string {
  if (cell.remote && SERVER_SAMPLED.has(row.key)) return NOT_SAMPLED;
  const spread: Spread | undefined = cell.summary[row.key];
  return spread ? formatSpread(spread, row.format) : '-';
}

/** How every percentile in the tables and charts is read (stats.ts, medianOfRoundPercentiles). */
export const PERCENTILE_METHOD = "Percentiles: each round's own (from its histogram), then the median over the rounds.";

function roundsCaption(cells: Cell[]): string {
  const counts = [...new Set(cells.map((c) => c.rounds.length))].sort((a, b) => a - b);
  const n = counts.length === 0 ? '0' : counts.length === 1 ? String(counts[0]) : `${counts[0]}-${counts[counts.length - 1]}`;
  return `Median of ${n} round${n === '1' ? '' : 's'}, min-max in brackets. ${PERCENTILE_METHOD} Latency in ms; CPU in % of one core (over 100% = more than one core).`;
}

export function buildTable(report: Report, workload: WorkloadName, concurrency: number): TableModel {
  const cells = cellsAt(report, workload, concurrency);
  const comparisons = comparisonsAt(report, workload, concurrency);
  // A column whose server's run was not clean is marked once, in its header; the footnote says why.
  const header = [
    '',
    ...cells.map((c) => (c.verdict === 'ok' ? c.server : `${c.server} ${NOT_OK_MARK}`)),
    ...comparisons.map((c) => `${c.candidate} vs ${c.baseline}`),
  ];
  const notOk = [false, ...cells.map((c) => c.verdict !== 'ok'), ...comparisons.map(() => false)];
  const rows = ROWS.map((row) => [row.label, ...cells.map((c) => figure(c, row)), ...comparisons.map((c) => factorText(c, row.metric))]);
  const warnings = cells
    .filter((c) => c.verdict !== 'ok')
    .map(
      (c) =>
        `${c.server}: ${c.verdict}: ${VERDICT_MEANING[c.verdict as keyof typeof VERDICT_MEANING]}${c.verdictReasons.length ? `. Why: ${c.verdictReasons.join('; ')}` : ''}`,
    );
  return {
    workload,
    concurrency,
    title: `${workload}, ${concurrency} connection${concurrency === 1 ? '' : 's'}`,
    header,
    figureColumns: 1 + cells.length,
    notOk,
    rows,
    caption: roundsCaption(cells),
    warnings,
  };
}

function seconds(ms: number): string {
  return `${thousands(ms / 1000, Number.isInteger(ms / 1000) ? 0 : 1)} s`;
}

const SYNC_WARM_START_OFF: [string, string] = [
  'Sync warm start',
  "off (--no-prewarm): the cold model, each thread's V8 isolate compiles on its own share of the load",
];

function setupLines(report: Report): [string, string][] {
  const s = report.setup;
  const m = s.machine;
  const lines: [string, string][] = [
    ['CPU', `${m.cpuModel}, ${m.cores} core${m.cores === 1 ? '' : 's'}`],
    ['Memory', `${thousands(m.totalMemBytes / 1073741824, 1)} GiB`],
    ['Node', m.node],
    ['Kernel', `${m.kernel} (${m.platform} ${m.arch})`],
    ['Machine fingerprint', m.fingerprint],
    [
      'Pinning',
      s.driver.pinned
        ? `driver on CPUs ${s.driver.driverCpus ?? '?'}, servers on CPUs ${s.driver.serverCpus ?? '?'}`
        : 'not pinned (driver and server share all cores)',
    ],
    ['Rounds', `${s.rounds} per server, ${seconds(s.durationMs)} measured after ${seconds(s.warmupMs)} warm-up`],
    ['Servers', s.targets ? s.targets.map((t) => `${t.name} (remote, ${t.url})`).join(', ') : s.servers.join(', ')],
    ['Workloads', s.workloads.join(', ')],
    ['Concurrency', `${s.concurrency.join(', ')} connection(s)`],
    ['Keys', `${thousands(s.keys)} preloaded, values of ${thousands(s.valueSize)} bytes`],
    ['Pipelining', s.pipelining <= 1 ? 'none (1 request in flight per connection)' : `${s.pipelining} requests in flight per connection`],
    [
      'Load',
      report.knee
        ? 'open loop, the offered rate stepped per server (see the knee section; latency corrected for coordinated omission)'
        : s.rate !== undefined
          ? `open loop at ${thousands(s.rate)} req/s offered (latency corrected for coordinated omission)`
          : 'closed loop (each connection sends its next request after the response)',
    ],
    ...(s.syncPrewarm === false ? [SYNC_WARM_START_OFF] : []),
    ['Driver', `${s.driver.name} ${s.driver.version}, ${s.driver.workers} worker${s.driver.workers === 1 ? '' : 's'}`],
    ['Driver ceiling (vs floor server)', ceilingText(report)],
    ...(warmupText(report) ? [['Warm-up until steady', warmupText(report)] as [string, string]] : []),
    ['Command', `mkvss-lab ${s.command}`.trim()],
  ];
  return lines;
}

/** What the driver alone reached against the floor server, and how close the best measured server came to it. */
function ceilingText(report: Report): string {
  const c = report.driverCeiling;
  if (!c) return 'not measured';
  let text = `${formatRate(c.throughput)} req/s against the floor server (${c.workload}, ${c.concurrency} connections, driver CPU ${formatCpuPct(c.driverCpuPct)})`;
  const measured = report.cells.filter((x) => x.server !== 'floor' && x.summary.throughput);
  if (measured.length > 0 && c.throughput > 0) {
    const best = measured.reduce((a, b) => (b.summary.throughput.median > a.summary.throughput.median ? b : a));
    const share = (best.summary.throughput.median / c.throughput) * 100;
    text += `; the fastest server (${best.server}, ${best.workload}, ${best.concurrency} connections) reached ${share.toFixed(0)}% of it`;
  }
  return text;
}

/** Per server: how long its warm-ups until steady took, the CPU per request they settled at, and
 *  how many rounds hit the cap (Round.warmup, set by harness/run). */
function warmupText(report: Report): string {
  const parts: string[] = [];
  for (const server of report.setup.servers) {
    const ups = report.cells
      .filter((c) => c.server === server)
      .flatMap((c) => c.rounds.flatMap((r) => (r.warmup && r.warmup.cpuPerRequestUs.length > 0 ? [r.warmup] : [])));
    if (ups.length === 0) continue;
    const range = (xs: number[], f: (v: number) => string) => {
      if (xs.length === 0) return '';
      const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
      return lo === hi ? f(lo) : `${f(lo)}-${f(hi)}`;
    };
    const settled = ups.flatMap((w) => (w.settledUs !== undefined ? [w.settledUs] : []));
    // A remote target's warm-up went by req/s (its CPU is not visible): the last three slices.
    const rates = ups.flatMap((w) => (w.throughput && w.steady ? [median(w.throughput.slice(-3))] : []));
    const notSteady = ups.filter((w) => !w.steady).length;
    parts.push(
      `${server} ${range(
        ups.map((w) => w.elapsedMs / 1000),
        (v) => v.toFixed(1),
      )} s` +
        (ups.some((w) => w.throughput) ? ' by throughput (remote: CPU not visible)' : '') +
        (settled.length > 0 ? `, settled at ${range(settled, (v) => thousands(v))} µs CPU/request` : '') +
        (rates.length > 0 ? `, settled at ${range(rates, (v) => thousands(v))} req/s` : '') +
        (notSteady > 0 ? `, not steady in ${notSteady} of ${ups.length}` : ''),
    );
  }
  return parts.join('; ');
}

function preflightLines(report: Report): string[] {
  if (report.preflight.length === 0) return ['not run'];
  return report.preflight.map((p) =>
    p.ok
      ? `${p.server}: ok (${p.steps} steps, same statuses and bodies)`
      : `${p.server}: MISMATCH (${p.steps} steps): ${p.mismatch ?? 'no detail'}`,
  );
}

/** What the rows-written figures count, so "30,000 rows" after a read-only run reads as intended. */
function rowsWrittenNote(report: Report): string {
  if (report.setup.lifecycle === 'remote')
    return "Remote targets: the lab cannot count a remote server's keys (the API has no count), so their rows were not checked.";
  if (report.setup.warmServers) {
    return 'Each server kept one database from its start: expected rows = the preloaded keys + the creates it acknowledged (POST/PUT of a new key) - the deletes, over all its measurements.';
  }
  return 'Each measurement ran on a fresh database: expected rows = the preloaded keys + the creates the server acknowledged - the deletes, counted after each round and summed over the rounds.';
}

function rowsWrittenLines(report: Report): string[] {
  const checked = report.cells.filter((c) => c.rowsCheck);
  // Never silently ok: a remote target's rows could not be counted (the API cannot list keys).
  const remote = report.cells
    .filter((c) => c.remote)
    .map((c) => `${c.server}, ${c.workload}, ${c.concurrency} connections: not checked (remote: the API cannot count keys)`);
  if (checked.length === 0) return remote.length > 0 ? remote : ['no rows-written check in this run'];
  const keys = report.setup.keys;
  return checked
    .map((c) => {
      const r = c.rowsCheck!;
      const diff = r.actualRows - r.expectedRows;
      const verdict = r.ok ? 'ok' : `MISMATCH (${diff > 0 ? '+' : ''}${thousands(diff)} rows)`;
      // The expected figure taken apart: preloaded keys (once per database) and the net creates.
      const databases = report.setup.warmServers ? 1 : c.rounds.length;
      const preloaded = keys * databases;
      const net = r.expectedRows - preloaded;
      const parts = `${databases > 1 ? `${databases} rounds x ${thousands(keys)}` : thousands(keys)} preloaded ${net < 0 ? '-' : '+'} ${thousands(Math.abs(net))} net creates`;
      return `${c.server}, ${c.workload}, ${c.concurrency} connections: ${thousands(r.actualRows)} rows, expected ${thousands(r.expectedRows)} (${parts}): ${verdict}`;
    })
    .concat(remote);
}

export function buildModel(report: Report): ReportModel {
  assertReport(report);
  const title = `mkvss-lab compare${report.label ? `: ${report.label}` : ''}`;
  return {
    title,
    subtitle: `Run started ${report.createdAt}.`,
    tables: tableKeys(report).map((k) => buildTable(report, k.workload, k.concurrency)),
    setup: setupLines(report),
    preflight: preflightLines(report),
    rowsWritten: rowsWrittenLines(report),
    rowsWrittenNote: rowsWrittenNote(report),
    warnings: report.warnings.length ? [...report.warnings] : [],
  };
}
