// Reads what the wrk driver's Lua done() function wrote (a summary line, then "µs count" lines of
// wrk's exact latency histogram) into the ShardResult every driver returns.
import type { ShardResult } from './driver-protocol.js';
import { encodeHistogram, newLatencyHistogram } from '../analysis/stats.js';

/** What the Lua done() wrote -> a ShardResult . */
export function readWrkResult(text: string, writeShare: number): ShardResult {
  const [first, ...rest] = text.trim().split('\n');
  const m = /^summary (\d+) (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(first ?? '');
  if (!m) throw new Error(`wrk driver: unreadable summary "${first ?? ''}"`);
  const [durationUs, responses, connect, read, write, status, timeout] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
  const histogram = newLatencyHistogram();
  let sum = 0;
  for (const line of rest) {
    const [v, n] = line.split(' ').map(Number) as [number, number];
    histogram.recordValueWithCount(Math.max(1, v), n);
    sum += Math.max(1, v) * n;
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
    latencySumUs: sum,
    latencyCount: histogram.totalCount,
    windowMs: durationUs / 1000,
    netCreates: 0,
    uncertainCreates: 0,
    uncertainDeletes: 0,
  };
}
