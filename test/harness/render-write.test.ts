import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Report } from '../../harness/schema/report-schema.js';
import { renderMarkdown, reportJson, writeReport } from '../../harness/report/render.js';

const load = (name: string): Report => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Report;

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'mkvss-render-'));
  dirs.push(d);
  return d;
}

/** The same object with every key order reversed, recursively. */
function reversedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversedKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .reverse()
      .map(([k, v]) => [k, reversedKeys(v)]),
  );
}

describe('writeReport', () => {
  it('creates the directory and writes exactly report.json, report.md, the charts and report.html', async () => {
    const out = join(tempDir(), 'nested', 'run-1');
    const report = load('report-sweep.json');
    const { dir, files } = await writeReport(report, out);
    expect(dir).toBe(out);
    expect(files).toEqual([
      'report.json',
      'report.md',
      'throughput.png',
      'latency-c16.png',
      'latency-c64.png',
      'latency-c256.png',
      'throughput-vs-concurrency.png',
      'p99-vs-concurrency.png',
      'report.html',
    ]);
    expect(readdirSync(out).sort()).toEqual([...files].sort());
    expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(report);
    const md = readFileSync(join(out, 'report.md'), 'utf8');
    const [beforeCharts = ''] = renderMarkdown(report).split('## Charts');
    const [beforeSetup = ''] = beforeCharts.split('## Setup');
    expect(md.startsWith(beforeSetup)).toBe(true);
    for (const png of files.filter((f) => f.endsWith('.png'))) expect(md).toContain(`](${png})`);
  });

  it('basic report: two charts', async () => {
    const { files } = await writeReport(load('report-basic.json'), tempDir());
    expect(files).toEqual(['report.json', 'report.md', 'throughput.png', 'latency-c64.png', 'report.html']);
  });

  it('report.json is pretty, with a key order that does not depend on how the report was built', () => {
    const report = load('report-basic.json');
    const text = reportJson(report);
    expect(text).toBe(reportJson(reversedKeys(report) as Report));
    expect(text.startsWith('{\n  "schema": "mkvss-lab/report",\n  "version": 2,\n  "createdAt"')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('refuses input that is not a report, before creating anything', async () => {
    const out = join(tempDir(), 'never');
    await expect(writeReport({ schema: 'other' } as unknown as Report, out)).rejects.toThrow(/report is not an mkvss-lab\/report file/);
    expect(() => readdirSync(out)).toThrow();
  });
});
