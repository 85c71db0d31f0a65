// Candidate vs baseline, per (workload, concurrency): factors with a bootstrap interval over the
// paired rounds, worded the way the tables print them. A factor whose interval contains 1 is a
// tie: the difference is inside the round-to-round noise, so nobody "wins" it.
import { pairedBootstrap, ratioOfMedians } from './bootstrap.js';
import type { Cell, Comparison, Factor, Round, ServerName } from '../schema/report-schema.js';

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

const f2 = (x: number) => (x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The words for one factor. `factor` > 1 always means "the candidate is better" for this metric. */
export function wordFactor(metric: Metric, factor: number, low: number, high: number, rounds: number): string {
  if (!Number.isFinite(factor)) return 'not comparable';
  if (factor === 1 && low === 1 && high === 1) return 'tie (no difference)';
  const single = rounds < 2 ? ' (1 round: no interval)' : '';
  const tie = rounds >= 2 && low <= 1 && high >= 1;
  if (tie) return `tie (${f2(low)}-${f2(high)})`;
  const [better, worse] =
    metric === 'throughput' ? ['higher', 'lower'] : metric === 'successRate' ? ['fewer errors', 'more errors'] : ['faster', 'slower'];
  const range = (a: number, b: number) => (single ? single : ` (${f2(a)}-${f2(b)})`);
  if (factor >= 1) return `${f2(factor)}x ${better}${range(low, high)}`;
  // Below 1, say it the other way round ("2.2x lower") with the interval inverted to match.
  return `${f2(1 / factor)}x ${worse}${range(1 / high, 1 / low)}`;
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

export function compareCells(candidate: Cell, baseline: Cell, seed = 0x5eed): Comparison {
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
    if (pairs.length === 0) {
      factors.push({ metric, factor: Number.NaN, low: Number.NaN, high: Number.NaN, tie: false, wording: 'not comparable' });
      continue;
    }
    const { estimate, low, high } = pairedBootstrap(c, b, ratioOfMedians, { seed });
    const tie = (pairs.length >= 2 && low <= 1 && high >= 1) || (estimate === 1 && low === 1 && high === 1);
    factors.push({ metric, factor: estimate, low, high, tie, wording: wordFactor(metric, estimate, low, high, pairs.length) });
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
  if (servers.length < 2) return [];
  const baseline = servers.includes('sync') ? 'sync' : servers[0]!;
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
