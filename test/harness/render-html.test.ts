import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../harness/schema/report-schema.js';
import { renderCharts, renderHtml } from '../../harness/report/render.js';
import { must } from '../../harness/must.js';

const load = (name: string): Report => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Report;

describe('renderHtml', () => {
  it('is self-contained: no external src/href, scripts inline only, charts as data: URIs', async () => {
    const report = load('report-sweep.json');
    const charts = await renderCharts(report);
    const html = renderHtml(report, charts);
    expect(html).not.toMatch(/(src|href)\s*=\s*["']?\s*(https?:)?\/\//i);
    expect(html).not.toMatch(/<script[^>]*\ssrc|<link|sourceMappingURL/i);
    // Outside the inlined scripts (chart.js has a toDataURL( of its own): no CSS fetches.
    expect(html.replace(/<script>[\s\S]*?<\/script>/g, '')).not.toMatch(/@import|url\(/i);
    expect(html.match(/<img src="data:image\/png;base64,/g)).toHaveLength(charts.length);
    // The embedded bytes are the chart's PNG (the fallback without scripts).
    const first = must(/src="data:image\/png;base64,([^"]+)"/.exec(html)?.[1], 'an embedded PNG');
    expect(Buffer.from(first, 'base64').equals(must(charts[0], 'the first chart').png)).toBe(true);
  });

  it("draws the charts again in the page, from inlined chart.js and each chart's data", async () => {
    const report = load('report-basic.json');
    const charts = await renderCharts(report);
    const html = renderHtml(report, charts);
    expect(html).toContain('Chart.js v4');
    expect(html).toContain('const chartConfig = (function chartConfig(spec)');
    expect(html.match(/<figure data-chart="\d+">/g)).toHaveLength(charts.length);
    const specs = JSON.parse(must(/const specs = (.*);\n/.exec(html)?.[1], 'the inlined specs')) as {
      title: string[];
      series: { data: unknown[] }[];
    }[];
    expect(specs.map((s) => s.title[0])).toEqual(charts.map((c) => c.title));
    // The throughput bars carry the table's medians.
    expect(specs[0]?.series[0]?.data).toEqual(report.cells.filter((c) => c.server === 'sync').map((c) => c.summary.throughput.median));
    // No chart data: no scripts at all.
    expect(
      renderHtml(
        report,
        charts.map(({ spec: _, ...c }) => c),
      ),
    ).not.toContain('<script');
  });

  it('chartConfig runs on its own source text (nothing outside it is referenced)', async () => {
    const [chart] = await renderCharts(load('report-basic.json'));
    const { chartConfig } = await import('../../harness/report/chart-config.js');
    const standalone = new Function(`return (${chartConfig.toString()})`)() as typeof chartConfig;
    const config = standalone(chart!.spec);
    expect(config.type).toBe('bar');
    expect(JSON.stringify(config.data)).toBe(JSON.stringify(chartConfig(chart!.spec).data));
  });

  it('contains the tables with the same figures, the setup and the warnings', () => {
    const report = load('report-basic.json');
    const html = renderHtml(report);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<table>/g)).toHaveLength(2);
    expect(html).toContain('<th>async vs sync</th>');
    expect(html).toContain('<th class="not-ok">async ⚠</th>');
    expect(html).toContain('<td class="figure not-ok">24,213 (23,601-24,929)</td>');
    expect(html).toContain('<td>tie (0.96-1.06)</td>');
    expect(html).toContain('<dt>Pinning</dt><dd>driver on CPUs 0, servers on CPUs 1</dd>');
    expect(html).toContain('⚠ async: driver-bound: the load generator, not the server, was the limit');
    expect(html).toContain('Why: driver CPU 97.5% of one core (&gt;= 90%)');
  });

  it('escapes text from the report', () => {
    const report = { ...load('report-basic.json'), label: '<script>alert(1)</script>', warnings: ['a & b "c"'] };
    const html = renderHtml(report);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('a &amp; b &quot;c&quot;');
  });
});
