// What `mkvss-lab diff OLD NEW` says, independent of how it is printed: for every (server, workload,
// concurrency) measured in both runs, a table with the OLD and NEW figures side by side and the
// factor NEW vs OLD per row; the cells only one run has; and the settings that differ between the
// runs (they make the comparison less like-for-like, so they are listed above the tables).
//
// The factors follow compare's rules (harness/analysis/factors.ts wording, a call only when the 95%
// interval excludes 1, fewer than 3 rounds: a range and no call), but the rounds of two runs are
// not paired, so the interval is Welch's (unpairedRatioInterval in harness/analysis/interval.ts).
//
// The row list repeats the one in model.ts on purpose: model.ts is being reworked, and this file
// depends only on the stable formatters (format.ts).
import { unpairedRatioInterval } from '../analysis/interval.js';
import { wordFactor } from '../analysis/factors.js';
import type { Cell, Factor, Report, Round, Setup } from '../schema/report-schema.js';
import { formatSpread, thousands } from './format.js';
import { PERCENTILE_METHOD, ROWS, type RowSpec } from './model.js';

/** compare's table rows, in its order (one list: harness/report/model.ts). */
export const DIFF_ROWS: readonly RowSpec[] = ROWS;

/** One factor of NEW vs OLD, oriented like compare's (> 1: NEW did better on this metric). */
export interface DiffFactor {
  metric: Factor['metric'];
  estimate: number;
  low: number;
  high: number;
  method: 'welch-t-95' | 'range' | 'none';
  rounds: number;
  /** 'higher': NEW better; 'lower': NEW worse; 'none': a tie or too few rounds to call. */
  call: 'higher' | 'lower' | 'none';
  wording: string;
}

export interface DiffTable {
  server: string;
  workload: string;
  concurrency: number;
  title: string;
  /** ['', 'OLD', 'NEW', 'NEW vs OLD']. */
  header: string[];
  /** Leading columns holding figures (label + OLD + NEW); the last holds the factor wording. */
  figureColumns: number;
  rows: string[][];
  factors: DiffFactor[];
  caption: string;
  /** A side whose verdict is not ok, with its reasons. */
  warnings: string[];
}

export interface DiffSide {
  /** The path as given on the command line (or any name the caller picks). */
  source: string;
  report: Report;
}

export interface DiffModel {
  title: string;
  /** "OLD: <source>, <label>, run started <createdAt>", and the same for NEW. */
  sides: string[];
  /** What the interval cannot see, said once above the tables. */
  note: string;
  /** Settings that differ between the runs, one line each; empty when the runs are like-for-like. */
  settingsWarnings: string[];
  tables: DiffTable[];
  onlyInOld: string[];
  onlyInNew: string[];
}

/** A cell's identity across runs; a gate report's base-build cells are their own cells. */
function cellKey(c: Cell): string {
  return `${c.server}|${c.build ?? ''}|${c.workload}|${c.concurrency}`;
}

function cellName(c: Cell): string {
  return `${c.server}${c.build ? ` (${c.build} build)` : ''}, ${c.workload}, ${c.concurrency} connection${c.concurrency === 1 ? '' : 's'}`;
}

/** Median (min-max) of one row; a figure that was not measured (null in report.json) reads "-". */
function figure(cell: Cell, row: RowSpec): string {
  const spread = cell.summary[row.key];
  const measured = spread && [spread.median, spread.min, spread.max].every((v) => typeof v === 'number' && Number.isFinite(v));
  const text = measured ? formatSpread(spread, row.format) : '-';
  return cell.verdict === 'ok' ? text : `${text} ⚠ ${cell.verdict}`;
}

/** Per-round values of one metric, oriented so that NEW/OLD > 1 means NEW did better (for latency
 *  the reciprocal is taken, so the ratio of the values is OLD/NEW as in compare's "x faster"). */
function metricValues(metric: Factor['metric'], rounds: readonly Round[], errorFloor: number): number[] {
  if (metric === 'throughput') return rounds.map((r) => r.throughput);
  // Success: 1 / error rate, each error rate with the same tiny floor added on both sides so clean
  // rounds compare as exactly equal (compare smooths per pair; unpaired rounds share one floor:
  // half a failure over the largest request count of any round in either run).
  if (metric === 'successRate') return rounds.map((r) => 1 / ((r.requests - r.expected) / Math.max(r.requests, 1) + errorFloor));
  return rounds.map((r) => 1 / r.latency[metric]);
}

export function diffFactors(oldCell: Cell, newCell: Cell): DiffFactor[] {
  const maxRequests = Math.max(1, ...oldCell.rounds.map((r) => r.requests), ...newCell.rounds.map((r) => r.requests));
  const errorFloor = 0.5 / (maxRequests + 1);
  const factors: DiffFactor[] = [];
  for (const row of DIFF_ROWS) {
    if (!row.metric) continue;
    const iv = unpairedRatioInterval(
      metricValues(row.metric, newCell.rounds, errorFloor),
      metricValues(row.metric, oldCell.rounds, errorFloor),
    );
    factors.push({ metric: row.metric, ...iv, wording: wordFactor(row.metric, iv) });
  }
  return factors;
}

function roundsText(cell: Cell): string {
  return `${cell.rounds.length} round${cell.rounds.length === 1 ? '' : 's'}`;
}

export function buildDiffTable(oldCell: Cell, newCell: Cell): DiffTable {
  const factors = diffFactors(oldCell, newCell);
  const rows = DIFF_ROWS.map((row) => {
    const f = row.metric ? factors.find((x) => x.metric === row.metric) : undefined;
    return [row.label, figure(oldCell, row), figure(newCell, row), f ? f.wording : ''];
  });
  const warnings: string[] = [];
  for (const [side, c] of [
    ['OLD', oldCell],
    ['NEW', newCell],
  ] as const) {
    if (c.verdict !== 'ok') warnings.push(`${side}: ${c.verdict}${c.verdictReasons.length ? `: ${c.verdictReasons.join('; ')}` : ''}`);
  }
  const counts =
    oldCell.rounds.length === newCell.rounds.length ? roundsText(oldCell) : `${roundsText(oldCell)} (OLD) and ${roundsText(newCell)} (NEW)`;
  return {
    server: oldCell.server,
    workload: oldCell.workload,
    concurrency: oldCell.concurrency,
    title: cellName(oldCell),
    header: ['', 'OLD', 'NEW', 'NEW vs OLD'],
    figureColumns: 3,
    rows,
    factors,
    caption:
      `Median of ${counts}, min-max in brackets. ${PERCENTILE_METHOD} Latency in ms; CPU in % of one core.\n` +
      'NEW vs OLD: ratio of geometric means, 95% Welch t-interval on log round figures (two runs are not paired); ' +
      'called only when it excludes 1, else tie; below 3 rounds a side: range, no call.',
    warnings,
  };
}

function seconds(ms: number): string {
  return `${thousands(ms / 1000, Number.isInteger(ms / 1000) ? 0 : 1)} s`;
}

/** The settings that make two runs like-for-like, each as the text a reader compares. */
function comparableSettings(s: Setup): [name: string, value: string][] {
  const m = s.machine;
  const d = s.driver;
  return [
    ['machine fingerprint', `${m.fingerprint} (${m.cpuModel}, ${m.cores} cores, kernel ${m.kernel}, Node ${m.node}, ${m.arch})`],
    ['memory', `${thousands(m.totalMemBytes / 1073741824, 1)} GiB`],
    ['driver', `${d.name} ${d.version}, ${d.workers} worker${d.workers === 1 ? '' : 's'}`],
    ['pinning', d.pinned ? `driver on CPUs ${d.driverCpus ?? '?'}, servers on CPUs ${d.serverCpus ?? '?'}` : 'not pinned'],
    ['measured window', seconds(s.durationMs)],
    ['warm-up', seconds(s.warmupMs)],
    ['rounds', String(s.rounds)],
    ['keys', thousands(s.keys)],
    ['value size', `${thousands(s.valueSize)} bytes`],
    ['pipelining', String(s.pipelining)],
    ['load', s.rate !== undefined ? `open loop at ${thousands(s.rate)} req/s` : 'closed loop'],
    ['servers', s.warmServers ? 'kept warm across rounds' : 'fresh server per measurement'],
  ];
}

export function settingsDifferences(oldSetup: Setup, newSetup: Setup): string[] {
  const before = new Map(comparableSettings(oldSetup));
  const out: string[] = [];
  for (const [name, now] of comparableSettings(newSetup)) {
    const was = before.get(name);
    if (was !== now) out.push(`${name} differs: OLD ${was}; NEW ${now}`);
  }
  return out;
}

function sideLine(name: 'OLD' | 'NEW', side: DiffSide): string {
  const r = side.report;
  return `${name}: ${side.source}${r.label ? ` (${r.label})` : ''}, run started ${r.createdAt}`;
}

/** Cells in OLD's order (servers, workloads and concurrency as OLD listed them). */
export function buildDiffModel(oldSide: DiffSide, newSide: DiffSide): DiffModel {
  const newCells = new Map(newSide.report.cells.map((c) => [cellKey(c), c]));
  const oldKeys = new Set(oldSide.report.cells.map(cellKey));
  const tables: DiffTable[] = [];
  const onlyInOld: string[] = [];
  for (const oldCell of oldSide.report.cells) {
    const newCell = newCells.get(cellKey(oldCell));
    if (newCell) tables.push(buildDiffTable(oldCell, newCell));
    else onlyInOld.push(cellName(oldCell));
  }
  const onlyInNew = newSide.report.cells.filter((c) => !oldKeys.has(cellKey(c))).map(cellName);
  return {
    title: 'mkvss-lab diff: NEW vs OLD',
    sides: [sideLine('OLD', oldSide), sideLine('NEW', newSide)],
    note:
      'Two runs at different times: the interval sees the noise between rounds, not a machine that was busier for the whole of one run. ' +
      'To judge a code change, measure both builds in one interleaved run (npm run gate -- --against <ref>).',
    settingsWarnings: settingsDifferences(oldSide.report.setup, newSide.report.setup),
    tables,
    onlyInOld,
    onlyInNew,
  };
}
