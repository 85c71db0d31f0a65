// The compare run's output, in one call: writeReport(report, dir) writes report.json, report.md,
// the charts (PNG) and report.html. renderTerminal/renderMarkdown give the text for the console and
// for a CI job summary.
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Report } from '../schema/report-schema.js';
import { assertReport } from './model.js';
import { renderMarkdown } from './markdown.js';
import { renderCharts } from './charts.js';
import { renderHtml } from './html.js';

export { renderMarkdown } from './markdown.js';
export { renderTerminal } from './terminal.js';
export { renderHtml } from './html.js';
export { renderCharts, chartFiles } from './charts.js';

// Top-level and identity fields first, in the schema's reading order; everything else alphabetical.
// A fixed order makes two report.json files diff cleanly whatever order the run built its objects in.
const KEY_ORDER = [
  'schema',
  'version',
  'createdAt',
  'label',
  'setup',
  'cells',
  'comparisons',
  'preflight',
  'driverCeiling',
  'warnings',
  'server',
  'baseline',
  'candidate',
  'workload',
  'concurrency',
  'round',
  'order',
  'metric',
];

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const rank = (k: string) => {
    const i = KEY_ORDER.indexOf(k);
    return i < 0 ? KEY_ORDER.length : i;
  };
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

/** report.json text: 2-space indented, stable key order, trailing newline. */
export function reportJson(report: Report): string {
  return JSON.stringify(sortKeys(report), null, 2) + '\n';
}

/**
 * Create outDir (and parents) and write report.json, report.md, the chart PNGs and report.html.
 * Returns the directory (absolute) and the file names written, in writing order.
 */
export async function writeReport(report: Report, outDir: string): Promise<{ dir: string; files: string[] }> {
  assertReport(report);
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const charts = await renderCharts(report);
  const outputs: [string, string | Buffer][] = [
    ['report.json', reportJson(report)],
    ['report.md', renderMarkdown(report, { charts: charts.map((c) => ({ file: c.file, title: c.title })) })],
    ...charts.map((c): [string, Buffer] => [c.file, c.png]),
    ['report.html', renderHtml(report, charts)],
  ];
  for (const [file, content] of outputs) await writeFile(join(dir, file), content);
  return { dir, files: outputs.map(([file]) => file) };
}
