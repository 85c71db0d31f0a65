// Aggregation maths shared by the run and its tests: medians with min-max spread over rounds, and
// latency summaries read from an HDR histogram (microseconds).
//
// One percentile method for every table and chart: each round's percentile from that round's own
// histogram, then the median over the rounds (min-max over the rounds as the spread). A round is
// one sample of the machine, as in the factors' paired rounds; pooling the rounds' histograms
// instead would let the round with the most requests (the fastest) dominate and would make a
// chart disagree with the table cell next to it.
import * as hdr from 'hdr-histogram-js';
import type { LatencySummary, Spread } from '../schema/report-schema.js';
import { must } from '../must.js';

/** Microsecond histograms: 1 µs resolution, 3 significant digits (0.1% error), up to 10 minutes;
 *  autoResize so a pathological stall is still recorded rather than thrown away. */
export function newLatencyHistogram(): hdr.Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

export function encodeHistogram(h: hdr.Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(base64: string): hdr.Histogram {
  return hdr.decodeFromCompressedBase64(base64);
}

/** Sums several encoded histograms into one (driver shards of one measurement). */
export function mergeHistograms(encoded: readonly string[]): hdr.Histogram {
  const total = newLatencyHistogram();
  for (const e of encoded) total.add(decodeHistogram(e));
  return total;
}

/** Percentile `percentile` (0-100) of a cell, the one way tables and charts read it: each round's
 *  own histogram at that percentile, then the median over rounds. NaN with no (decodable) rounds. */
export function medianOfRoundPercentiles(encodedRounds: readonly string[], percentiles: readonly number[]): number[] {
  const perPercentile = percentiles.map((percentile) => ({ percentile, values: [] as number[] }));
  for (const e of encodedRounds) {
    if (!e) continue;
    const h = decodeHistogram(e);
    if (h.totalCount > 0) for (const p of perPercentile) p.values.push(h.getValueAtPercentile(p.percentile));
    h.destroy();
  }
  return perPercentile.map((p) => median(p.values));
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const upper = must(s[mid], 'the middle value');
  return s.length % 2 ? upper : (must(s[mid - 1], 'the value below the middle') + upper) / 2;
}

/** Server CPU µs spent per request: `cpuPct` (% of one core) over a window of `windowMs`. */
export function cpuMicrosPerRequest(cpuPct: number, windowMs: number, requests: number): number {
  return ((cpuPct / 100) * windowMs * 1000) / requests;
}

export function spread(values: readonly number[]): Spread {
  if (values.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN };
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

/**
 * Percentiles from the histogram (within its 0.1% resolution). The mean is the exact one when the
 * caller kept the sum of the recorded values (the histogram's own mean is bucketed).
 */
export function latencySummary(h: hdr.Histogram, exactMeanUs?: number): LatencySummary {
  if (h.totalCount === 0) return { minUs: 0, meanUs: 0, p50Us: 0, p90Us: 0, p99Us: 0, p999Us: 0, p9999Us: 0, maxUs: 0 };
  return {
    minUs: h.minNonZeroValue,
    meanUs: exactMeanUs ?? h.mean,
    p50Us: h.getValueAtPercentile(50),
    p90Us: h.getValueAtPercentile(90),
    p99Us: h.getValueAtPercentile(99),
    p999Us: h.getValueAtPercentile(99.9),
    p9999Us: h.getValueAtPercentile(99.99),
    maxUs: h.maxValue,
  };
}
