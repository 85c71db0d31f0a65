// The knee section of report.json (compare --knee) through the schema and every renderer: a
// synthetic section on the basic fixture's setup, no servers.
import { readFileSync } from 'node:fs';
import { loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import { assertValidReport, type Knee, type KneeRow, type Report } from '../../harness/schema/report-schema.js';
import { chartFiles, renderCharts } from '../../harness/report/charts.js';
import { renderHtml, renderMarkdown, renderTerminal, reportJson } from '../../harness/report/render.js';
import { parseReport } from '../../harness/schema/report-schema.js';
import { kneeP99Spec, kneeThroughputSpec } from '../../harness/report/knee-charts.js';

const base = JSON.parse(readFileSync(new URL('../fixtures/report-basic.json', import.meta.url), 'utf8')) as Report;

const step = (offered: number, achieved: number, p99Us: number, phase: 'grow' | 'refine' = 'grow') => {
  const ok = achieved >= 0.95 * offered && p99Us <= 50_000;
  return {
    phase,
    offered,
    achieved,
    p50Us: p99Us / 4,
    p99Us,
    p999Us: p99Us * 1.5,
    successRate: 1,
    requests: Math.round(achieved * 2),
    ok,
    reasons: ok ? [] : [`p99 ${(p99Us / 1000).toFixed(1)} ms > 50.0 ms`],
  };
};
const s = (v: number) => ({ median: v, min: v * 0.9, max: v * 1.1 });
const row = (server: 'sync' | 'async', fraction: number, offered: number, p99Us: number, factor?: string): KneeRow => ({
  server,
  fraction,
  offered,
  achieved: s(offered),
  p50Us: s(p99Us / 4),
  p99Us: s(p99Us),
  p999Us: s(p99Us * 2),
  successRate: { median: 1, min: 0.999, max: 1 },
  roundsP99Us: [p99Us * 0.9, p99Us, p99Us * 1.1],
  ...(factor ? { p99VsBaseline: factor } : {}),
});

const knee: Knee = {
  workload: 'get',
  concurrency: 50,
  stepMs: 2000,
  leadInMs: 500,
  rule: { startRate: 1000, growth: 1.5, refineSteps: 3, minAchievedFraction: 0.95, p99BoundUs: 50_000, maxRate: 200_000, retries: 1 },
  servers: [
    {
      server: 'sync',
      kneeRate: 2063,
      kneeP99Us: 16_100,
      firstBadRate: 2157,
      capped: false,
      steps: [
        step(1000, 1000, 6000),
        step(1500, 1500, 11_000),
        step(2250, 2250, 193_000),
        { ...step(2250, 2250, 150_000), retry: true },
        step(1875, 1875, 13_000, 'refine'),
        step(2063, 2063, 16_100, 'refine'),
        step(2157, 2150, 80_000, 'refine'),
      ],
    },
    {
      server: 'async',
      kneeRate: 10_919,
      kneeP99Us: 44_000,
      firstBadRate: 11_393,
      capped: false,
      steps: [step(1000, 1000, 5000), step(5063, 5063, 9000), step(11_393, 11_000, 63_000), step(10_919, 10_919, 44_000, 'refine')],
    },
  ],
  fractions: [0.5, 0.75, 0.9],
  rounds: 3,
  ownKnee: [row('sync', 0.5, 1032, 9000), row('async', 0.5, 5460, 8000), row('sync', 0.9, 1857, 18_000), row('async', 0.9, 9827, 20_000)],
  equalRate: [
    row('sync', 0.5, 1032, 9000),
    row('async', 0.5, 1032, 4000, '2.25x faster (1.9-2.6) vs sync'),
    row('sync', 0.9, 1857, 18_000),
    row('async', 0.9, 1857, 5000, 'tie (0.8-1.3) vs sync'),
  ],
};
const report: Report = { ...base, cells: [], comparisons: [], knee };

describe('knee section', () => {
  it('is valid against the schema and survives report.json round trip (version 2, optional field)', () => {
    expect(() => assertValidReport(report)).not.toThrow();
    const again = parseReport(reportJson(report));
    expect(again.version).toBe(2);
    expect(again.knee!.servers.map((x) => x.kneeRate)).toEqual([2063, 10_919]);
    const [first] = knee.servers;
    expect(() => assertValidReport({ ...report, knee: { ...knee, servers: [{ ...first, kneeRate: 'fast' }] } })).toThrow();
  });

  it('the terminal and Markdown show each knee, both tables and the search steps', () => {
    const term = renderTerminal(report);
    expect(term).toContain('sync: knee 2,063 req/s, p99 there 16.1 ms; 2,157 req/s did not keep up (7 steps)');
    expect(term).toContain("== At fractions of each server's own knee ==");
    expect(term).toContain('== At the same offered rates (fractions of the smallest knee) ==');
    expect(term).toMatch(/async\s+50%\s+1,032\s+1,032.*2\.25x faster \(1\.9-2\.6\) vs sync/);
    expect(term).toMatch(/sync\s+grow\s+2,250\s+2,250.*no: p99 193\.0 ms > 50\.0 ms/);
    expect(term).toMatch(/sync\s+grow \(again\)\s+2,250/);
    expect(term).toContain('open loop, the offered rate stepped per server');
    // The rows' caption says how a percentile is read (the same way as the main tables).
    expect(term).toContain(
      "Median of 3 rounds, min-max in brackets; get, 50 connections, open loop. Percentiles: each round's own (from its histogram), then the median over the rounds.",
    );
    const md = renderMarkdown(report, { charts: [{ file: 'knee-p99.png', title: 'P99' }] });
    expect(md).toContain('## Knee (open loop)');
    expect(md).toContain('- async: knee 10,919 req/s, p99 there 44.0 ms');
    expect(md).toMatch(/\| async \| 90% \|\s+9,827 \|/);
    expect(md).toContain('![P99](knee-p99.png)');
    const html = renderHtml(report);
    expect(html).toContain('<h2>At the same offered rates (fractions of the smallest knee)</h2>');
    expect(html).toContain('<td class="figure">9,827</td>');
  });

  it('draws the two knee charts as PNGs, each knee marked', async () => {
    expect(chartFiles(report)).toEqual(['knee-throughput.png', 'knee-p99.png']);
    const charts = await renderCharts(report);
    expect(charts.map((c) => c.file)).toEqual(['knee-throughput.png', 'knee-p99.png']);
    for (const c of charts) {
      const img = await loadImage(c.png);
      expect(img.width).toBeGreaterThan(0);
    }
    const palette: Record<string, string> = { sync: '#d1495b', async: '#00798c', reference: '#777', floor: '#6a6' };
    const colors = (server: string) => palette[server] ?? '#000';
    const throughput = kneeThroughputSpec(knee, colors);
    expect(throughput.series.filter((x) => x.label.includes('knee')).map((x) => x.data)).toEqual([
      [{ x: 2063, y: 2063 }],
      [{ x: 10_919, y: 10_919 }],
    ]);
    // The steps in offered order (the search visits them out of order).
    expect((throughput.series.find((x) => x.label === 'sync')!.data as { x: number }[]).map((p) => p.x)).toEqual([
      1000, 1500, 1875, 2063, 2157, 2250,
    ]);
    const p99 = kneeP99Spec(knee, colors);
    expect(p99.y.log).toBe(true);
    expect(p99.series.find((x) => x.label === 'async knee')!.data).toEqual([{ x: 10_919, y: 44 }]);
  });
});
