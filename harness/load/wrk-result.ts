// Reads what the wrk driver's Lua done() function wrote (a summary line with wrk's mean latency,
// then "lo hi µs" lines: the latency at the middle of each percentile slice) into the ShardResult
// every driver returns.
import type { ShardResult } from './driver-protocol.js';
import { encodeHistogram, newLatencyHistogram } from '../analysis/stats.js';

/** What the Lua done() wrote -> a ShardResult . */
export function readWrkResult(text: string, writeShare: number): ShardResult {
  const [first, ...rest] = text.trim().split('\n');
  const m = /^summary (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) ([\d.]+)$/.exec(first ?? '');
  if (!m) throw new Error(`wrk driver: unreadable summary "${first ?? ''}"`);
  const [durationUs, responses, connect, read, write, status, timeout, meanUs] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Each grid line is a slice of percentiles [lo, hi) and the latency at its middle: the slice's
  // share of the responses is recorded at that latency (shares rounded so they add up exactly).
  const histogram = newLatencyHistogram();
  for (const line of rest) {
    const [lo, hi, us] = line.split(' ').map(Number) as [number, number, number];
    const count = Math.round((responses * hi) / 100) - Math.round((responses * lo) / 100);
    if (count > 0) histogram.recordValueWithCount(Math.max(1, us), count);
  }
  const expected = responses - status;
  const connectionErrors = connect + read + write;
  return {
    requests: responses + timeout + connectionErrors,
    responses,
    expected,
    unexpectedStatus: status > 0 ? { 'non-2xx/3xx': status } : {},
    timeouts: timeout,
    connectionErrors,
    other: {},
    creates: 0,
    deletes: 0,
    writesAcknowledged: Math.round(expected * writeShare),
    histogram: encodeHistogram(histogram),
    // wrk's own exact mean, not the grid's.
    latencySumUs: meanUs * histogram.totalCount,
    latencyCount: histogram.totalCount,
    windowMs: durationUs / 1000,
    netCreates: 0,
    uncertainCreates: 0,
    uncertainDeletes: 0,
    // wrk is a C process of its own: its event loop's lag is not visible from here (the driver-CPU
    // verdict still applies). 0 says "not seen", and the driver's report name says what wrk lacks.
    loopDelayP99Us: 0,
    loopDelayMaxUs: 0,
    sendLagP99Us: null,
  };
}
