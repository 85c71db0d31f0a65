// The report's charts: what each one shows (a ChartSpec, plain JSON) and its PNG, drawn by chart.js 4
// on @napi-rs/canvas (no browser, no system libraries). throughput.png (bars = median, whiskers =
// min-max), latency-c<N>.png (percentile spectrum per concurrency level) and, for sweeps,
// throughput-vs-concurrency.png and p99-vs-concurrency.png. report.html draws the same specs with
// chart.js in the page (chart-config.ts turns a spec into a chart.js configuration for both).
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Title,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import type { Cell, Report, ServerName, WorkloadName } from '../schema/report-schema.js';
import { PERCENTILE_TICKS, spectrumOf } from './charts-data.js';
import { whiteBackground } from './charts-plugins.js';
import { chartConfig, type ChartSeries, type ChartSpec, type ErrorRange } from './chart-config.js';
import { cellsAt, serverOrder, tableKeys } from './model.js';
import { thousands } from './format.js';
import { kneeP99Spec, kneeThroughputSpec } from './knee-charts.js';
import { must } from '../must.js';

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LogarithmicScale,
  LineController,
  LineElement,
  PointElement,
  Title,
  Legend,
  Tooltip,
);

export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 560;

export interface ChartImage {
  /** File name inside the report directory, e.g. "throughput.png". */
  file: string;
  title: string;
  width: number;
  height: number;
  png: Buffer;
  /** What the chart shows, for report.html to draw it again, interactively. */
  spec: ChartSpec;
}

const SERVER_COLORS: Record<string, string> = {
  sync: '#d1495b',
  async: '#00798c',
  reference: '#7a7a7a',
  floor: '#66a182',
};
/** Remote targets (free names) get these, in the run's order. */
const TARGET_COLORS = ['#edae49', '#3d5a80', '#8e5572', '#2a9d8f', '#e76f51', '#6d597a'];

function serverColor(report: Report, server: ServerName): string {
  const fixed = SERVER_COLORS[server];
  if (fixed) return fixed;
  const others = report.setup.servers.filter((s) => !SERVER_COLORS[s]);
  return must(TARGET_COLORS[Math.max(0, others.indexOf(server)) % TARGET_COLORS.length], 'a colour (the index wraps)');
}
const WORKLOAD_DASH: Record<WorkloadName, number[]> = { get: [], put: [8, 4], mixed: [3, 3], crud: [12, 4, 3, 4] };

/** @napi-rs/canvas only draws text with a font it knows; pick an installed sans family (DejaVu here). */
function fontFamily(): string {
  const known = new Set(GlobalFonts.families.map((f) => f.family));
  for (const family of ['DejaVu Sans', 'Liberation Sans', 'Noto Sans', 'Arial', 'Helvetica']) {
    if (known.has(family)) return `'${family}', sans-serif`;
  }
  return 'sans-serif';
}

function configureDefaults(): void {
  Chart.defaults.font.family = fontFamily();
  Chart.defaults.font.size = 13;
  Chart.defaults.color = '#222222';
}

async function draw(spec: ChartSpec): Promise<Buffer> {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  const config: ChartConfiguration = chartConfig(spec);
  // chart.js types want a DOM context; @napi-rs/canvas's 2D context implements what it uses.
  const chart = new Chart(canvas.getContext('2d') as unknown as CanvasRenderingContext2D, {
    ...config,
    plugins: [whiteBackground, ...(config.plugins ?? [])],
    options: {
      layout: { padding: { top: 4, right: 28, bottom: 4, left: 8 } },
      ...config.options,
      responsive: false,
      animation: false,
      devicePixelRatio: 1,
    },
  });
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

function multipleWorkloads(report: Report): boolean {
  return new Set(report.cells.map((c) => c.workload)).size > 1;
}

/** Colour tells the server; the dash tells the workload, only needed when there are several. */
function dashOf(report: Report, workload: WorkloadName): number[] {
  return multipleWorkloads(report) ? WORKLOAD_DASH[workload] : [];
}

/**
 * Linear latency axis unless the lines span more than 20x (a p99.99 tail 50x the p50 would squash
 * every median to the floor); then logarithmic, so p50 and the tail both stay readable.
 */
function latencyAxisType(values: number[]): 'linear' | 'logarithmic' {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return 'linear';
  return Math.max(...positive) / Math.min(...positive) > 20 ? 'logarithmic' : 'linear';
}

function seriesLabel(report: Report, server: ServerName, workload: WorkloadName): string {
  return multipleWorkloads(report) ? `${server} (${workload})` : server;
}

function roundsText(report: Report): string {
  const counts = [...new Set(report.cells.map((c) => c.rounds.length))].sort((a, b) => a - b);
  return counts.length === 1 ? `${counts[0]} round${counts[0] === 1 ? '' : 's'}` : `${counts[0]}-${counts[counts.length - 1]} rounds`;
}

/** The verdict note drawn above a point whose server's run was not clean. */
function noteOf(cell: Cell): { note?: string } {
  return cell.verdict !== 'ok' ? { note: `⚠ ${cell.verdict}` } : {};
}

/** Bars: one group per (workload, concurrency), one bar per server; whiskers min-max over rounds. */
function throughputSpec(report: Report): ChartSpec {
  const keys = tableKeys(report);
  const sweep = new Set(keys.map((k) => k.concurrency)).size > 1;
  const labels = keys.map((k) => (sweep ? `${k.workload}, ${k.concurrency} conn.` : k.workload));
  const servers = serverOrder(report).filter((s) => report.cells.some((c) => c.server === s));
  const ranges: (ErrorRange | null)[][] = [];
  const series: ChartSeries[] = servers.map((server) => {
    const cells = keys.map((k) => cellsAt(report, k.workload, k.concurrency).find((c) => c.server === server));
    ranges.push(cells.map((c) => (c ? { min: c.summary.throughput.min, max: c.summary.throughput.max, ...noteOf(c) } : null)));
    return {
      label: server,
      color: serverColor(report, server),
      dash: [],
      data: cells.map((c) => (c ? c.summary.throughput.median : null)),
    };
  });
  const first = keys[0];
  const single = first !== undefined && !sweep ? `, ${first.concurrency} connections` : '';
  // What the driver alone reaches against the floor server: a bar near this line measured the driver.
  const ceiling = report.driverCeiling;
  const lines: ChartSpec['title'] = [
    `Throughput per server${single}`,
    `bar = median of ${roundsText(report)}, whisker = min-max; higher is better`,
  ];
  if (ceiling) lines.push(`dashed line = the driver alone against the floor server (${ceiling.workload}, ${ceiling.concurrency} conn.)`);
  return {
    kind: 'bar',
    title: lines,
    labels,
    series,
    ranges,
    ...(ceiling ? { reference: { value: ceiling.throughput, label: `driver ceiling: ${thousands(ceiling.throughput)} req/s` } } : {}),
    x: { title: sweep ? 'Workload, concurrency' : 'Workload' },
    // Room above the ceiling line for its label.
    y: {
      title: 'Throughput (req/s), higher is better',
      log: false,
      unit: 'req/s',
      ...(ceiling ? { suggestedMax: ceiling.throughput * 1.08 } : {}),
    },
  };
}

/** Latency against percentile on the 1/(1-p) log axis, one line per server (and workload). */
function spectrumSpec(report: Report, concurrency: number): ChartSpec {
  const cells = tableKeys(report)
    .filter((k) => k.concurrency === concurrency)
    .flatMap((k) => cellsAt(report, k.workload, k.concurrency));
  const spectra = cells.map((c) => ({ cell: c, spectrum: spectrumOf(c) }));
  const series: ChartSeries[] = spectra.map(({ cell, spectrum }) => ({
    label: seriesLabel(report, cell.server, cell.workload) + (cell.verdict !== 'ok' ? ` ⚠ ${cell.verdict}` : ''),
    color: serverColor(report, cell.server),
    dash: dashOf(report, cell.workload),
    data: spectrum.points,
    pointRadius: spectrum.source === 'hdr' ? 0 : 3,
  }));
  const sources = new Set(spectra.map((s) => s.spectrum.source));
  // The same reading as the tables: each round's own percentile, then the median over the rounds
  // (without histograms, only the tables' five percentiles are known).
  const method = `median over ${roundsText(report)} of each round's own percentile`;
  const source =
    sources.size === 2 ? `${method} (5 points where a round has no histogram)` : sources.has('hdr') ? method : `${method}, p50-p99.99 only`;
  const log = latencyAxisType(spectra.flatMap((s) => s.spectrum.points.map((p) => p.y))) === 'logarithmic';
  return {
    kind: 'spectrum',
    title: [`Latency by percentile, ${concurrency} connection${concurrency === 1 ? '' : 's'}`, `${source}; lower is better`],
    series,
    ranges: [],
    x: {
      title: 'Percentile (log scale of 1/(1-p))',
      min: 2,
      max: 10000,
      ticks: PERCENTILE_TICKS.map((t) => ({ value: t.x, label: t.label })),
    },
    y: { title: log ? 'Latency (ms, log scale), lower is better' : 'Latency (ms), lower is better', log, unit: 'ms' },
  };
}

/** One metric against concurrency (sweeps), one line per server (and workload), whiskers min-max. */
function sweepSpec(report: Report, metric: 'throughput' | 'p99Us'): ChartSpec {
  const levels = [...new Set(report.cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  const toY = metric === 'throughput' ? (v: number) => v : (v: number) => v / 1000;
  const ranges: (ErrorRange | null)[][] = [];
  const series: ChartSeries[] = [];
  const workloads = [...new Set(report.cells.map((c) => c.workload))];
  for (const workload of workloads) {
    for (const server of serverOrder(report)) {
      const cells = report.cells
        .filter((c) => c.server === server && c.workload === workload)
        .sort((a, b) => a.concurrency - b.concurrency);
      if (cells.length === 0) continue;
      ranges.push(cells.map((c) => ({ min: toY(c.summary[metric].min), max: toY(c.summary[metric].max), ...noteOf(c) })));
      series.push({
        label: seriesLabel(report, server, workload),
        color: serverColor(report, server),
        dash: dashOf(report, workload),
        data: cells.map((c) => ({ x: c.concurrency, y: toY(c.summary[metric].median) })),
      });
    }
  }
  const isThroughput = metric === 'throughput';
  const better = isThroughput ? 'higher is better' : 'lower is better';
  return {
    kind: 'sweep',
    title: [
      isThroughput ? 'Throughput vs concurrency' : 'P99 latency vs concurrency',
      `median of ${roundsText(report)}, whisker = min-max; ${better}`,
    ],
    series,
    ranges,
    x: {
      title: 'Concurrency (connections, log scale)',
      min: must(levels[0], 'the lowest concurrency of a sweep') / 1.25,
      max: must(levels.at(-1), 'the highest concurrency of a sweep') * 1.25,
      ticks: levels.map((v) => ({ value: v, label: thousands(v) })),
    },
    y: { title: `${isThroughput ? 'Throughput (req/s)' : 'P99 latency (ms)'}, ${better}`, log: false, unit: isThroughput ? 'req/s' : 'ms' },
  };
}

async function image(file: string, spec: ChartSpec): Promise<ChartImage> {
  return { file, title: spec.title[0], width: CHART_WIDTH, height: CHART_HEIGHT, png: await draw(spec), spec };
}

/** The chart files a report gets, in the order they are shown. */
export function chartFiles(report: Report): string[] {
  const levels = [...new Set(report.cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  if (report.knee?.servers.some((s) => s.steps.length > 0)) return ['knee-throughput.png', 'knee-p99.png'];
  if (report.cells.length === 0) return [];
  const files = ['throughput.png', ...levels.map((c) => `latency-c${c}.png`)];
  if (levels.length > 1) files.push('throughput-vs-concurrency.png', 'p99-vs-concurrency.png');
  return files;
}

/** Draw every chart of the report (none when it has no cells). */
export async function renderCharts(report: Report): Promise<ChartImage[]> {
  if (report.knee?.servers.some((s) => s.steps.length > 0)) {
    configureDefaults();
    return [
      await image(
        'knee-throughput.png',
        kneeThroughputSpec(report.knee, (s) => serverColor(report, s)),
      ),
      await image(
        'knee-p99.png',
        kneeP99Spec(report.knee, (s) => serverColor(report, s)),
      ),
    ];
  }
  if (report.cells.length === 0) return [];
  configureDefaults();
  const levels = [...new Set(report.cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  const charts = [await image('throughput.png', throughputSpec(report))];
  for (const c of levels) charts.push(await image(`latency-c${c}.png`, spectrumSpec(report, c)));
  if (levels.length > 1) {
    charts.push(await image('throughput-vs-concurrency.png', sweepSpec(report, 'throughput')));
    charts.push(await image('p99-vs-concurrency.png', sweepSpec(report, 'p99Us')));
  }
  return charts;
}
