// The report's PNG charts: chart.js 4 drawing on @napi-rs/canvas (no browser, no system libraries).
// throughput.png (bars = median, whiskers = min-max), latency-c<N>.png (percentile spectrum per
// concurrency level) and, for sweeps, throughput-vs-concurrency.png and p99-vs-concurrency.png.
import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement,
  LogarithmicScale, PointElement, Title, type ChartConfiguration, type Plugin,
} from 'chart.js';
import type { Cell, Report, ServerName, WorkloadName } from '../schema/report-schema.js';
import { PERCENTILE_TICKS, spectrumOf } from './charts-data.js';
import { errorBars, referenceLine, whiteBackground, type ErrorRange } from './charts-plugins.js';
import { cellsAt, serverOrder, tableKeys } from './model.js';
import { thousands } from './format.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LogarithmicScale, LineController, LineElement, PointElement, Title, Legend);

export const CHART_WIDTH = 1000;
export const CHART_HEIGHT = 560;

export interface ChartImage {
  /** File name inside the report directory, e.g. "throughput.png". */
  file: string;
  title: string;
  width: number;
  height: number;
  png: Buffer;
}

const SERVER_COLORS: Record<ServerName, string> = {
  sync: '#d1495b',
  async: '#00798c',
  reference: '#7a7a7a',
  floor: '#66a182',
};
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

async function draw(config: ChartConfiguration, plugins: Plugin[] = []): Promise<Buffer> {
  const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
  // chart.js types want a DOM context; @napi-rs/canvas's 2D context implements what it uses.
  const chart = new Chart(canvas.getContext('2d') as any, {
    ...config,
    plugins: [whiteBackground, ...plugins],
    options: { layout: { padding: { top: 4, right: 28, bottom: 4, left: 8 } }, ...config.options, responsive: false, animation: false, devicePixelRatio: 1 },
  });
  try {
    return await canvas.encode('png');
  } finally {
    chart.destroy();
  }
}

function title(lines: string[]) {
  return { display: true, text: lines, font: { size: 16, weight: 'bold' as const }, padding: { top: 6, bottom: 10 } };
}

function axisTitle(text: string) {
  return { display: true, text, font: { size: 13, weight: 'bold' as const } };
}

function multipleWorkloads(report: Report): boolean {
  return new Set(report.cells.map((c) => c.workload)).size > 1;
}

/** Colour tells the server; the dash tells the workload, only needed when there are several. */
function dashOf(report: Report, workload: WorkloadName): number[] {
  return multipleWorkloads(report) ? WORKLOAD_DASH[workload] : [];
}

/** Legend entries as short lines (with the series' dash), not filled boxes. */
// A 1-pixel-high legend box is stroked with the series' dash, so it reads as a sample of the line.
const LINE_LEGEND = { position: 'top' as const, labels: { boxWidth: 40, boxHeight: 1 } };

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

function verdictNote(cell: Cell | undefined): string | undefined {
  return cell && cell.verdict !== 'ok' ? `⚠ ${cell.verdict}` : undefined;
}

/** Log-axis labels only at 1-2-5 steps: the default labels every minor tick and they overlap. */
function logTick(value: string | number): string {
  const v = Number(value);
  const mantissa = v / Math.pow(10, Math.floor(Math.log10(v)));
  if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)) return '';
  return v >= 1000 ? thousands(v) : String(Number(v.toPrecision(6)));
}

/** Bars: one group per (workload, concurrency), one bar per server; whiskers min-max over rounds. */
async function throughputChart(report: Report): Promise<ChartImage> {
  const keys = tableKeys(report);
  const sweep = new Set(keys.map((k) => k.concurrency)).size > 1;
  const labels = keys.map((k) => (sweep ? `${k.workload}, ${k.concurrency} conn.` : k.workload));
  const servers = serverOrder(report).filter((s) => report.cells.some((c) => c.server === s));
  const ranges: (ErrorRange | null)[][] = [];
  const datasets = servers.map((server) => {
    const cells = keys.map((k) => cellsAt(report, k.workload, k.concurrency).find((c) => c.server === server));
    ranges.push(cells.map((c) => (c ? { min: c.summary.throughput.min, max: c.summary.throughput.max, note: verdictNote(c) } : null)));
    return { label: server, data: cells.map((c) => (c ? c.summary.throughput.median : null)), backgroundColor: SERVER_COLORS[server], borderWidth: 0 };
  });
  const single = keys.length > 0 && !sweep ? `, ${keys[0]!.concurrency} connections` : '';
  const heading = `Throughput per server${single}`;
  // What the driver alone reaches against the floor server: a bar near this line measured the driver.
  const ceiling = report.driverCeiling;
  const plugins = [errorBars(ranges)];
  if (ceiling) {
    plugins.push(referenceLine(ceiling.throughput, `driver ceiling (floor server, ${ceiling.workload}, ${ceiling.concurrency} conn.): ${thousands(ceiling.throughput)} req/s`));
  }
  const png = await draw({
    type: 'bar',
    data: { labels, datasets },
    options: {
      plugins: { title: title([heading, `bar = median of ${roundsText(report)}, whisker = min-max`]), legend: { position: 'top' } },
      scales: {
        x: { title: axisTitle(sweep ? 'Workload, concurrency' : 'Workload') },
        // grace leaves room above the tallest whisker for its verdict note.
        y: {
          beginAtZero: true, grace: '8%', suggestedMax: ceiling ? ceiling.throughput * 1.08 : undefined,
          title: axisTitle('Throughput (req/s)'), ticks: { callback: (v) => thousands(Number(v)) },
        },
      },
    },
  }, plugins);
  return { file: 'throughput.png', title: heading, width: CHART_WIDTH, height: CHART_HEIGHT, png };
}

/** Latency against percentile on the 1/(1-p) log axis, one line per server (and workload). */
async function spectrumChart(report: Report, concurrency: number): Promise<ChartImage> {
  const cells = tableKeys(report).filter((k) => k.concurrency === concurrency).flatMap((k) => cellsAt(report, k.workload, k.concurrency));
  const spectra = cells.map((c) => ({ cell: c, spectrum: spectrumOf(c) }));
  const datasets = spectra.map(({ cell, spectrum }) => ({
    label: seriesLabel(report, cell.server, cell.workload) + (cell.verdict !== 'ok' ? ` ⚠ ${cell.verdict}` : ''),
    data: spectrum.points,
    borderColor: SERVER_COLORS[cell.server],
    backgroundColor: SERVER_COLORS[cell.server],
    borderDash: dashOf(report, cell.workload),
    borderWidth: 2,
    pointRadius: spectrum.source === 'hdr' ? 0 : 3,
    tension: 0,
  }));
  const sources = new Set(spectra.map((s) => s.spectrum.source));
  const source = sources.size === 2 ? 'merged HDR histograms where recorded, else median percentiles'
    : sources.has('hdr') ? `all rounds' HDR histograms merged` : `median of ${roundsText(report)} per percentile`;
  const yType = latencyAxisType(spectra.flatMap((s) => s.spectrum.points.map((p) => p.y)));
  const heading = `Latency by percentile, ${concurrency} connection${concurrency === 1 ? '' : 's'}`;
  const png = await draw({
    type: 'line',
    data: { datasets },
    options: {
      plugins: { title: title([heading, source]), legend: LINE_LEGEND },
      scales: {
        x: {
          type: 'logarithmic', min: 2, max: 10000,
          title: axisTitle('Percentile (log scale of 1/(1-p))'),
          // Only the five labelled percentiles: the default log ticks (3, 4, 5, ...) mean nothing here.
          afterBuildTicks: (axis) => { axis.ticks = PERCENTILE_TICKS.map((t) => ({ value: t.x })); },
          ticks: { callback: (v) => PERCENTILE_TICKS.find((t) => t.x === Number(v))?.label ?? '' },
          grid: { color: '#e4e4e4' },
        },
        y: yType === 'linear'
          ? { type: 'linear', beginAtZero: true, title: axisTitle('Latency (ms)'), grid: { color: '#e4e4e4' } }
          : { type: 'logarithmic', title: axisTitle('Latency (ms, log scale)'), grid: { color: '#e4e4e4' }, ticks: { callback: logTick } },
      },
    },
  });
  return { file: `latency-c${concurrency}.png`, title: heading, width: CHART_WIDTH, height: CHART_HEIGHT, png };
}

/** One metric against concurrency (sweeps), one line per server (and workload), whiskers min-max. */
async function sweepChart(report: Report, metric: 'throughput' | 'p99Us'): Promise<ChartImage> {
  const levels = [...new Set(report.cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  const toY = metric === 'throughput' ? (v: number) => v : (v: number) => v / 1000;
  const ranges: (ErrorRange | null)[][] = [];
  const datasets: ChartConfiguration<'line'>['data']['datasets'] = [];
  const workloads = [...new Set(report.cells.map((c) => c.workload))];
  for (const workload of workloads) {
    for (const server of serverOrder(report)) {
      const cells = report.cells.filter((c) => c.server === server && c.workload === workload).sort((a, b) => a.concurrency - b.concurrency);
      if (cells.length === 0) continue;
      ranges.push(cells.map((c) => ({ min: toY(c.summary[metric].min), max: toY(c.summary[metric].max), note: verdictNote(c) })));
      datasets.push({
        label: seriesLabel(report, server, workload),
        data: cells.map((c) => ({ x: c.concurrency, y: toY(c.summary[metric].median) })),
        borderColor: SERVER_COLORS[server], backgroundColor: SERVER_COLORS[server], borderDash: dashOf(report, workload),
        borderWidth: 2, pointRadius: 4, tension: 0,
      });
    }
  }
  const isThroughput = metric === 'throughput';
  const heading = isThroughput ? 'Throughput vs concurrency' : 'P99 latency vs concurrency';
  const png = await draw({
    type: 'line',
    data: { datasets },
    options: {
      plugins: { title: title([heading, `median of ${roundsText(report)}, whisker = min-max`]), legend: LINE_LEGEND },
      scales: {
        x: {
          type: 'logarithmic', min: levels[0]! / 1.25, max: levels[levels.length - 1]! * 1.25,
          title: axisTitle('Concurrency (connections, log scale)'),
          afterBuildTicks: (axis) => { axis.ticks = levels.map((v) => ({ value: v })); },
          ticks: { callback: (v) => thousands(Number(v)) },
          grid: { color: '#e4e4e4' },
        },
        y: {
          beginAtZero: true,
          grace: '8%',
          title: axisTitle(isThroughput ? 'Throughput (req/s)' : 'P99 latency (ms)'),
          ticks: { callback: (v) => (isThroughput ? thousands(Number(v)) : String(Number(v))) },
          grid: { color: '#e4e4e4' },
        },
      },
    },
  }, [errorBars(ranges)]);
  const file = isThroughput ? 'throughput-vs-concurrency.png' : 'p99-vs-concurrency.png';
  return { file, title: heading, width: CHART_WIDTH, height: CHART_HEIGHT, png };
}

/** The chart files a report gets, in the order they are shown. */
export function chartFiles(report: Report): string[] {
  const levels = [...new Set(report.cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  if (report.cells.length === 0) return [];
  const files = ['throughput.png', ...levels.map((c) => `latency-c${c}.png`)];
  if (levels.length > 1) files.push('throughput-vs-concurrency.png', 'p99-vs-concurrency.png');
  return files;
}

/** Draw every chart of the report (none when it has no cells). */
export async function renderCharts(report: Report): Promise<ChartImage[]> {
  if (report.cells.length === 0) return [];
  configureDefaults();
  const levels = [...new Set(report.cells.map((c) => c.concurrency))].sort((a, b) => a - b);
  const charts = [await throughputChart(report)];
  for (const c of levels) charts.push(await spectrumChart(report, c));
  if (levels.length > 1) charts.push(await sweepChart(report, 'throughput'), await sweepChart(report, 'p99Us'));
  return charts;
}
