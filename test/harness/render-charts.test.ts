import { readFileSync } from 'node:fs';
import { loadImage } from '@napi-rs/canvas';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../harness/schema/report-schema.js';
import { CHART_HEIGHT, CHART_WIDTH, chartFiles, renderCharts } from '../../harness/report/charts.js';
import { PERCENTILE_TICKS, percentileToX, spectrumOf } from '../../harness/report/charts-data.js';
import { encodeHistogram, medianOfRoundPercentiles, mergeHistograms, newLatencyHistogram } from '../../harness/analysis/stats.js';
import { must } from '../../harness/must.js';

const load = (name: string): Report => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Report;

/** Width and height from the PNG IHDR chunk (bytes 16-23), independent of any decoder. */
function ihdrSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

describe('renderCharts', () => {
  it('basic (one concurrency): throughput and one spectrum, decodable PNGs of the stated size', async () => {
    const report = load('report-basic.json');
    const charts = await renderCharts(report);
    expect(charts.map((c) => c.file)).toEqual(['throughput.png', 'latency-c64.png']);
    expect(chartFiles(report)).toEqual(charts.map((c) => c.file));
    for (const c of charts) {
      expect(ihdrSize(c.png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
      const img = await loadImage(c.png);
      expect([img.width, img.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    }
  });

  it('sweep: adds throughput and p99 against concurrency', async () => {
    const report = load('report-sweep.json');
    const charts = await renderCharts(report);
    expect(charts.map((c) => c.file)).toEqual([
      'throughput.png',
      'latency-c16.png',
      'latency-c64.png',
      'latency-c256.png',
      'throughput-vs-concurrency.png',
      'p99-vs-concurrency.png',
    ]);
    for (const c of charts) expect(ihdrSize(c.png)).toEqual({ width: CHART_WIDTH, height: CHART_HEIGHT });
  });

  it('paints an opaque white background (corner pixel)', async () => {
    const [chart] = await renderCharts(load('report-basic.json'));
    const { createCanvas } = await import('@napi-rs/canvas');
    const canvas = createCanvas(CHART_WIDTH, CHART_HEIGHT);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(await loadImage(chart!.png), 0, 0);
    expect([...ctx.getImageData(1, CHART_HEIGHT - 2, 1, 1).data]).toEqual([255, 255, 255, 255]);
  });

  it('every chart says which way is better, and the ceiling is explained and labelled', async () => {
    const charts = await renderCharts(load('report-sweep.json'));
    for (const c of charts) {
      const better = /higher is better|lower is better/;
      expect(c.spec.y.title, c.file).toMatch(better);
      expect(c.spec.title.join(' '), c.file).toMatch(better);
    }
    expect(charts.find((c) => c.file === 'throughput.png')!.spec.y.title).toContain('higher is better');
    expect(charts.find((c) => c.file === 'p99-vs-concurrency.png')!.spec.y.title).toContain('lower is better');
    const [throughput] = await renderCharts(load('report-basic.json'));
    expect(throughput!.spec.reference).toEqual({ value: 27_310, label: 'driver ceiling: 27,310 req/s' });
    expect(throughput!.spec.title.join(' ')).toMatch(/dashed line = the driver alone against the floor server/);
  });

  it('a report without cells has no charts', async () => {
    const report = { ...load('report-sweep.json'), cells: [] };
    expect(await renderCharts(report)).toEqual([]);
    expect(chartFiles(report)).toEqual([]);
  });
});

describe('latency spectrum data', () => {
  it('places percentiles at 1/(1-p)', () => {
    expect(percentileToX(0.5)).toBe(2);
    expect(percentileToX(0.99)).toBeCloseTo(100, 9);
    expect(PERCENTILE_TICKS.map((t) => Math.round(t.x))).toEqual([2, 10, 100, 1000, 10000]);
    expect(() => percentileToX(1)).toThrow(/within \[0, 1\)/);
  });

  it("reads every percentile as the tables do: each round's own, then the median over the rounds", () => {
    const cell = must(load('report-basic.json').cells[0], 'the first cell');
    const s = spectrumOf(cell);
    expect(s.source).toBe('hdr');
    expect(s.points.length).toBeGreaterThan(50);
    expect(s.points[0]?.x).toBeCloseTo(2, 9);
    // Non-decreasing: a percentile curve never goes down.
    const ys = s.points.map((p) => p.y);
    expect(ys).toEqual([...ys].sort((a, b) => a - b));
    // The curve passes exactly through the table's figures for the same cell (ms here, µs there).
    const at = (x: number) =>
      must(
        s.points.find((p) => Math.abs(p.x - x) < 1e-6 * x),
        `the point at x = ${x}`,
      ).y;
    expect(at(2)).toBe(cell.summary.p50Us.median / 1000);
    expect(at(10)).toBe(cell.summary.p90Us.median / 1000);
    expect(at(100)).toBe(cell.summary.p99Us.median / 1000);
    expect(at(1000)).toBe(cell.summary.p999Us.median / 1000);
    expect(at(10000)).toBe(cell.summary.p9999Us.median / 1000);
  });

  it('is not the pooled histogram: a round with 10x the responses is one round of three, and the curve stops where the smallest round does', () => {
    const round = (from: number, count: number) => {
      const h = newLatencyHistogram();
      for (let i = 0; i < count; i++) h.recordValue(from + (i % 10));
      return encodeHistogram(h);
    };
    const cell = structuredClone(must(load('report-basic.json').cells[0], 'the first cell'));
    const encoded = [round(100, 10_000), round(1000, 1000), round(2000, 1000)];
    cell.rounds = cell.rounds.map((r, i) => ({ ...r, histogram: must(encoded[i], "a round's histogram") }));
    const s = spectrumOf(cell);
    expect(s.source).toBe('hdr');
    // p50: the middle round's 1004 µs; the pooled histogram would say about 105 µs.
    expect(must(s.points[0], 'the p50 point').y).toBe(1.004);
    expect(mergeHistograms(encoded).getValueAtPercentile(50)).toBeLessThan(110);
    const [p99] = medianOfRoundPercentiles(encoded, [99]);
    expect(
      must(
        s.points.find((p) => Math.abs(p.x - 100) < 1e-6),
        'the p99 point',
      ).y,
    ).toBe(must(p99, 'p99') / 1000);
    // The smallest round has 1,000 responses: nothing is plotted past x = 1,000 (p99.9).
    expect(Math.max(...s.points.map((p) => p.x))).toBeCloseTo(1000, 6);
  });

  it('falls back to the summary percentiles without histograms, or when one does not decode or is empty', () => {
    const cell = must(load('report-sweep.json').cells[0], 'the first cell');
    const s = spectrumOf(cell);
    expect(s.source).toBe('summary');
    expect(s.points).toEqual([
      { x: 2, y: cell.summary.p50Us.median / 1000 },
      { x: 10, y: cell.summary.p90Us.median / 1000 },
      { x: 100, y: cell.summary.p99Us.median / 1000 },
      { x: 1000, y: cell.summary.p999Us.median / 1000 },
      { x: 10000, y: cell.summary.p9999Us.median / 1000 },
    ]);
    const broken = structuredClone(must(load('report-basic.json').cells[0], 'the first cell'));
    must(broken.rounds[1], 'the second round').histogram = 'not a histogram';
    expect(spectrumOf(broken).source).toBe('summary');
    // A round with no responses has no percentiles of its own: the table's five medians again.
    const empty = structuredClone(must(load('report-basic.json').cells[0], 'the first cell'));
    must(empty.rounds[2], 'the third round').histogram = encodeHistogram(newLatencyHistogram());
    expect(spectrumOf(empty).source).toBe('summary');
  });
});
