// Candidate vs baseline, per (workload, concurrency): one factor per metric over the paired rounds,
// with its interval and call (interval.ts: a 95% paired t-interval on the per-round log ratios from
// 3 rounds, the range of the rounds below that), worded the way the tables print them. Only a
// factor whose t-interval excludes 1 is called "higher"/"faster"/...; one whose interval contains 1
// is a tie (the difference is inside the round-to-round noise), and with 1-2 rounds nothing is
// called at all.
import { pairedRatioInterval, type IntervalMethod, type RatioInterval, type UnpairedIntervalMethod } from './interval.js';
import type { Cell, Comparison, Factor, Round, ServerName } from '../schema/report-schema.js';
import { formatFactorNumber } from '../number-format.js';

type Metric = Factor['metric'];
const LATENCY_METRICS = ['meanUs', 'p50Us', 'p90Us', 'p99Us', 'p999Us', 'p9999Us', 'maxUs'] as const;
export const FACTOR_METRICS: readonly Metric[] = ['throughput', ...LATENCY_METRICS, 'successRate'];

function latencyOf(r: Round, m: (typeof LATENCY_METRICS)[number]): number {
  return r.latency[m];
}

/** Error rate with half a failure added, over `outOf` requests (the larger of the pair), so a
 *  clean round is not a 0 that turns every ratio into infinity, and two clean rounds are equal. */
export function smoothedErrorRate(r: Pick<Round, 'requests' | 'expected'>, outOf = r.requests): number {
  const failed = r.requests - r.expected;
  return (failed + 0.5) / (outOf + 1);
}

/** The words for one factor. `estimate` > 1 always means "the candidate is better" for this metric.
 *  Paired (compare) and unpaired (diff) intervals read alike: a call, a tie, or a range/1 round. */
export function wordFactor(
  metric: Metric,
  iv: Pick<RatioInterval<IntervalMethod | UnpairedIntervalMethod>, 'estimate' | 'low' | 'high' | 'method' | 'rounds' | 'call'>,
): string {
  const { estimate, low, high } = iv;
  if (!Number.isFinite(estimate)) return 'not comparable';
  if (estimate === 1 && low === 1 && high === 1) return 'tie (no difference)';
  const [better, worse] =
    metric === 'throughput' ? ['higher', 'lower'] : metric === 'successRate' ? ['fewer errors', 'more errors'] : ['faster', 'slower'];
  // Below 1, say it the other way round ("2.2x lower") with the interval inverted to match.
  const up = estimate >= 1;
  const size = `${formatFactorNumber(up ? estimate : 1 / estimate)}x ${up ? better : worse}`;
  const range = up
    ? `${formatFactorNumber(low)}-${formatFactorNumber(high)}`
    : `${formatFactorNumber(1 / high)}-${formatFactorNumber(1 / low)}`;
  if (iv.method === 'none') return `${size}, not tested (1 round)`;
  if (iv.method === 'range') return `${size}, not tested (range of ${iv.rounds} rounds: ${range})`;
  if (iv.call === 'none') return `tie (${formatFactorNumber(low)}-${formatFactorNumber(high)})`;
  return `${size} (${range})`;
}

/** Paired per-round values of both cells (rounds with the same number). */
function pairRounds(candidate: Cell, baseline: Cell): Array<[Round, Round]> {
  const byRound = new Map(baseline.rounds.map((r) => [r.round, r]));
  const pairs: Array<[Round, Round]> = [];
  for (const r of candidate.rounds) {
    const b = byRound.get(r.round);
    if (b) pairs.push([r, b]);
  }
  return pairs;
}

export function compareCells(candidate: Cell, baseline: Cell): Comparison {
  const pairs = pairRounds(candidate, baseline);
  const factors: Factor[] = [];
  for (const metric of FACTOR_METRICS) {
    // Oriented so that > 1 means the candidate did better on this metric.
    let c: number[];
    let b: number[];
    if (metric === 'throughput') {
      c = pairs.map(([x]) => x.throughput);
      b = pairs.map(([, y]) => y.throughput);
    } else if (metric === 'successRate') {
      // baseline error rate / candidate error rate, both smoothed over the same request count so
      // two clean rounds compare as equal whatever their request counts.
      c = pairs.map(([x, y]) => smoothedErrorRate(y, Math.max(x.requests, y.requests)));
      b = pairs.map(([x, y]) => smoothedErrorRate(x, Math.max(x.requests, y.requests)));
    } else {
      // baseline latency / candidate latency ("x faster")
      c = pairs.map(([, y]) => latencyOf(y, metric));
      b = pairs.map(([x]) => latencyOf(x, metric));
    }
    const iv = pairedRatioInterval(c, b);
    factors.push({
      metric,
      factor: iv.estimate,
      low: iv.low,
      high: iv.high,
      interval: iv.method,
      rounds: iv.rounds,
      tie: iv.call === 'none',
      wording: wordFactor(metric, iv),
    });
  }
  return {
    baseline: baseline.server,
    candidate: candidate.server,
    workload: candidate.workload,
    concurrency: candidate.concurrency,
    factors,
  };
}

/** Which pairs to compare: every other server vs sync (or vs the first server when sync is
 *  absent); async vs sync is one of them whenever both ran. */
export function comparisonPairs(servers: readonly ServerName[]): Array<{ baseline: ServerName; candidate: ServerName }> {
  const first = servers[0];
  if (first === undefined || servers.length < 2) return [];
  const baseline = servers.includes('sync') ? 'sync' : first;
  const others = servers.filter((s) => s !== baseline);
  // async first: it is the comparison the lab exists for.
  others.sort((a, b) => (a === 'async' ? -1 : b === 'async' ? 1 : 0));
  return others.map((candidate) => ({ baseline, candidate }));
}

export function buildComparisons(cells: readonly Cell[], servers: readonly ServerName[]): Comparison[] {
  const out: Comparison[] = [];
  const find = (s: ServerName, w: string, c: number) => cells.find((x) => x.server === s && x.workload === w && x.concurrency === c);
  const keys = [...new Map(cells.map((c) => [`${c.workload}|${c.concurrency}`, c])).values()];
  for (const { workload, concurrency } of keys) {
    for (const { baseline, candidate } of comparisonPairs(servers)) {
      const b = find(baseline, workload, concurrency);
      const c = find(candidate, workload, concurrency);
      if (b && c) out.push(compareCells(c, b));
    }
  }
  return out;
}
