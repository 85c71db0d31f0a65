import { describe, expect, it } from 'vitest';
import { buildComparisons, compareCells, comparisonPairs, smoothedErrorRate, wordFactor } from '../../harness/analysis/factors.js';
import type { Cell, Round } from '../../harness/schema/report-schema.js';

function round(n: number, throughput: number, meanUs: number, requests = 100_000, expected = requests): Round {
  const latency = {
    minUs: 1,
    meanUs,
    p50Us: meanUs,
    p90Us: meanUs * 2,
    p99Us: meanUs * 3,
    p999Us: meanUs * 4,
    p9999Us: meanUs * 5,
    maxUs: meanUs * 6,
  };
  return {
    round: n,
    order: n,
    startedAt: '',
    durationMs: 1000,
    requests,
    expected,
    failures: { unexpectedStatus: {}, timeouts: 0, connectionErrors: 0, other: {} },
    throughput,
    successRate: expected / requests,
    latency,
    histogram: '',
    serverCpuPct: 0,
    serverPeakRssBytes: 0,
    serverPeakThreads: 0,
    driverCpuPct: 0,
    driverLag: { loopDelayP99Us: 0, loopDelayMaxUs: 0 },
    writesAcknowledged: 0,
    verdict: 'ok',
    verdictReasons: [],
  };
}

function cell(server: Cell['server'], rounds: Round[]): Cell {
  const s = { median: 0, min: 0, max: 0 };
  return {
    server,
    workload: 'get',
    concurrency: 50,
    rounds,
    verdict: 'ok',
    verdictReasons: [],
    summary: {
      throughput: s,
      successRate: s,
      meanUs: s,
      p50Us: s,
      p90Us: s,
      p99Us: s,
      p999Us: s,
      p9999Us: s,
      maxUs: s,
      serverCpuPct: s,
      serverPeakRssBytes: s,
      serverPeakThreads: s,
      driverCpuPct: s,
    },
  };
}

describe('compareCells', () => {
  const sync = cell('sync', [round(1, 24_000, 2000), round(2, 25_000, 2050), round(3, 23_500, 1950)]);
  const async = cell('async', [round(1, 85_000, 580), round(2, 86_000, 570), round(3, 84_000, 590)]);

  it('orients every factor so that > 1 means the candidate did better', () => {
    const c = compareCells(async, sync);
    const f = Object.fromEntries(c.factors.map((x) => [x.metric, x]));
    // The factor is the geometric mean of the per-round ratios.
    expect(f.throughput!.factor).toBeCloseTo(Math.cbrt((85_000 / 24_000) * (86_000 / 25_000) * (84_000 / 23_500)), 10);
    expect(f.meanUs!.factor).toBeCloseTo(Math.cbrt((2000 / 580) * (2050 / 570) * (1950 / 590)), 10);
    expect(f.throughput!).toMatchObject({ tie: false, interval: 'paired-t-95', rounds: 3 });
    expect(f.throughput!.low).toBeGreaterThan(3);
    expect(f.throughput!.wording).toMatch(/^3\.52x higher \(3\.35-3\.70\)$/);
    expect(f.meanUs!.wording).toMatch(/x faster/);
    expect(c).toMatchObject({ baseline: 'sync', candidate: 'async', workload: 'get', concurrency: 50 });
  });

  it('calls overlapping rounds a tie, not a win', () => {
    const a = cell('sync', [round(1, 10_000, 1000), round(2, 11_000, 1000), round(3, 9_500, 1000)]);
    const b = cell('async', [round(1, 10_500, 1000), round(2, 9_800, 1000), round(3, 10_200, 1000)]);
    const t = compareCells(b, a).factors.find((x) => x.metric === 'throughput')!;
    expect(t.tie).toBe(true);
    expect(t.wording).toMatch(/^tie \(/);
  });

  it('treats two error-free servers as equal on success rate, whatever their request counts', () => {
    const a = cell('sync', [round(1, 10_000, 1000, 10_000), round(2, 10_000, 1000, 10_000)]);
    const b = cell('async', [round(1, 40_000, 1000, 40_000), round(2, 40_000, 1000, 40_000)]);
    const s = compareCells(b, a).factors.find((x) => x.metric === 'successRate')!;
    expect(s.factor).toBe(1);
    expect(s.tie).toBe(true);
  });

  it('calls nothing below 3 rounds: the range of 2 rounds, or 1 round untested', () => {
    const two = compareCells(cell('async', async.rounds.slice(0, 2)), cell('sync', sync.rounds.slice(0, 2))).factors[0];
    expect(two).toMatchObject({ metric: 'throughput', interval: 'range', rounds: 2, tie: true });
    expect(two?.wording).toMatch(/^3\.49x higher, not tested \(range of 2 rounds: 3\.44-3\.54\)$/);
    const one = compareCells(cell('async', async.rounds.slice(0, 1)), cell('sync', sync.rounds.slice(0, 1))).factors[0];
    expect(one).toMatchObject({ interval: 'none', rounds: 1, tie: true, wording: '3.54x higher, not tested (1 round)' });
  });
});

describe('wordFactor', () => {
  const t = (estimate: number, low: number, high: number, call: 'higher' | 'lower' | 'none') => ({
    estimate,
    low,
    high,
    method: 'paired-t-95' as const,
    rounds: 5,
    call,
  });
  it('turns a factor below 1 around ("lower", "slower") with the interval inverted', () => {
    expect(wordFactor('throughput', t(0.5, 0.4, 0.6, 'lower'))).toBe('2.00x lower (1.67-2.50)');
    expect(wordFactor('p99Us', t(0.5, 0.4, 0.6, 'lower'))).toBe('2.00x slower (1.67-2.50)');
    expect(wordFactor('successRate', t(2.16, 2, 2.3, 'higher'))).toBe('2.16x fewer errors (2.00-2.30)');
  });
  it('says tie when the interval contains 1', () => {
    expect(wordFactor('throughput', t(1.02, 0.97, 1.08, 'none'))).toBe('tie (0.97-1.08)');
  });
  it('says when one round gives no interval', () => {
    expect(wordFactor('throughput', { estimate: 3.54, low: 3.54, high: 3.54, method: 'none', rounds: 1, call: 'none' })).toBe(
      '3.54x higher, not tested (1 round)',
    );
  });
});

describe('smoothedErrorRate', () => {
  it('is never zero, so ratios stay finite', () => {
    expect(smoothedErrorRate({ requests: 1000, expected: 1000 })).toBeGreaterThan(0);
    expect(smoothedErrorRate({ requests: 1000, expected: 990 })).toBeCloseTo(10.5 / 1001, 10);
  });
});

describe('which comparisons a run makes', () => {
  it('compares every other server with sync, async first', () => {
    expect(comparisonPairs(['floor', 'sync', 'reference', 'async'])).toEqual([
      { baseline: 'sync', candidate: 'async' },
      { baseline: 'sync', candidate: 'floor' },
      { baseline: 'sync', candidate: 'reference' },
    ]);
  });
  it('uses the first server when sync is absent, and makes none for a single server', () => {
    expect(comparisonPairs(['reference', 'async'])).toEqual([{ baseline: 'reference', candidate: 'async' }]);
    expect(comparisonPairs(['async'])).toEqual([]);
  });
  it('builds one comparison per (workload, concurrency) present for both servers', () => {
    const cells = [cell('sync', [round(1, 1, 1)]), cell('async', [round(1, 2, 1)])];
    expect(buildComparisons(cells, ['sync', 'async'])).toHaveLength(1);
  });
});
