import { describe, expect, it } from 'vitest';
import {
  decodeHistogram,
  encodeHistogram,
  latencySummary,
  median,
  medianOfRoundPercentiles,
  mergeHistograms,
  newLatencyHistogram,
  spread,
} from '../../harness/analysis/stats.js';

describe('median and spread', () => {
  it('takes the middle value, or the mean of the two middle ones', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('reports median with min and max, without reordering the input', () => {
    const values = [30, 10, 20];
    expect(spread(values)).toEqual({ median: 20, min: 10, max: 30 });
    expect(values).toEqual([30, 10, 20]);
  });
});

describe('latency summaries from HDR histograms (microseconds)', () => {
  it('reads percentiles within the 3-digit resolution and keeps the exact mean when given', () => {
    const h = newLatencyHistogram();
    for (let v = 1; v <= 10_000; v++) h.recordValue(v);
    const s = latencySummary(h, 5000.5);
    expect(s.minUs).toBe(1);
    expect(s.meanUs).toBe(5000.5);
    expect(Math.abs(s.p50Us - 5000) / 5000).toBeLessThan(0.002);
    expect(Math.abs(s.p99Us - 9900) / 9900).toBeLessThan(0.002);
    expect(s.maxUs).toBeGreaterThanOrEqual(10_000);
    expect(s.maxUs).toBeLessThan(10_020);
  });

  it("keeps sub-millisecond resolution (the reason autocannon's own histogram is not used)", () => {
    const h = newLatencyHistogram();
    for (let i = 0; i < 100; i++) h.recordValue(600);
    expect(latencySummary(h).p50Us).toBe(600);
  });

  it('gives zeros for an empty histogram', () => {
    expect(latencySummary(newLatencyHistogram()).p99Us).toBe(0);
  });

  it('round-trips through the base64 encoding and merges shards', () => {
    const a = newLatencyHistogram();
    const b = newLatencyHistogram();
    a.recordValue(100);
    b.recordValue(300);
    b.recordValue(300);
    expect(decodeHistogram(encodeHistogram(a)).totalCount).toBe(1);
    const merged = mergeHistograms([encodeHistogram(a), encodeHistogram(b)]);
    expect(merged.totalCount).toBe(3);
    expect(merged.getValueAtPercentile(50)).toBe(300);
  });
});

describe('one percentile method: per-round percentile, median over rounds', () => {
  const round = (from: number, count: number) => {
    const h = newLatencyHistogram();
    for (let i = 0; i < count; i++) h.recordValue(from + (i % 10));
    return encodeHistogram(h);
  };
  it("takes each round's own percentile, then the median, whatever each round's request count", () => {
    // A fast round with 10x the requests would dominate a pooled histogram; here it is one round of three.
    const rounds = [round(100, 10_000), round(1000, 1000), round(2000, 1000)];
    const [p50, p99] = medianOfRoundPercentiles(rounds, [50, 99]);
    expect(p50).toBe(1004);
    expect(p99).toBe(1009);
    // The pooled histogram would have said ~105 at p50.
    expect(mergeHistograms(rounds).getValueAtPercentile(50)).toBeLessThan(110);
    // The same figure a table shows: the median of the rounds' latency summaries.
    expect(p50).toBe(median(rounds.map((r) => latencySummary(decodeHistogram(r)).p50Us)));
  });
  it('is NaN with no recorded rounds', () => {
    expect(medianOfRoundPercentiles(['', encodeHistogram(newLatencyHistogram())], [50])[0]).toBeNaN();
  });
});
