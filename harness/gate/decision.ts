// The gate's decision, free of I/O: given the baseline and this run's per-round figures, which
// metrics regressed, and is a row still too uncertain to tell (so more rounds would help)?
// (The loop that measures more rounds is loop.ts; building a baseline file is baseline.ts.)
//
// A/B rows (this ÷ base, measured back to back) are judged by their paired 95% t-interval by
// default (comparePaired; GateThresholds.rule says when that is honest), or, with `rule: 'range'`,
// by the figures rule below, as rows against recorded figures always are. The figures rule: a metric regresses when it got worse by more than the tolerance (15% by default)
// AND by more than the noise band: the spread of its per-round values in this very run, an A/A
// check (the same server measured several times should agree; how much it does not is how much a
// difference can be pure chance). A noisy run therefore widens the band instead of failing. The
// baseline's own spread, recorded the same way, counts too (the wider of the two is used): the
// comparison is between two medians, and a baseline caught in a noisy moment is as uncertain as
// a noisy run. (Seen here: a baseline p99 whose rounds spread 4.2-25 made an ordinary run look
// like +585% against its median, with a tight 18% band in the run itself.)
// When a throughput band is too wide to see the drop we care about (25% by default, the
// "resolution"), the gate asks for more rounds, up to a cap, before it decides; if the band is
// still too wide at the cap it passes and says it could not tell.
import { median } from '../analysis/stats.js';
import { higherIsBetter, type MetricKey, type MetricSamples } from './metrics.js';
import type { GateBaseline } from './baseline.js';
import { pairedRatioInterval } from '../analysis/interval.js';

export interface GateThresholds {
  /** Throughput worsening tolerated regardless of noise, as a fraction (0.15 = 15%). */
  tolerance: number;
  /** The same for p99 ratios. Wider: a tail moves with every stall on a shared runner, and three
   *  rounds can agree by chance, so a narrow band there is weak evidence. Throughput catches a
   *  plain slowdown anyway (25% slower raises closed-loop latency ~33%); this catches tail blow-ups. */
  latencyTolerance: number;
  /** Whether a p99 regression fails the gate. Off by default: on a busy 2-core runner the tail of a
   *  thread-per-connection server moved 4-25x between rounds of the same run, so a p99 verdict
   *  would cry wolf; it is still shown (as "advisory"). Throughput rows always fail. */
  p99Fails: boolean;
  /** The smallest drop the gate must be able to see; a wider throughput band asks for more rounds. */
  resolution: number;
  /** A/B gate: worsening of p99 at a fixed open-loop rate tolerated regardless of noise. These rows
   *  always fail the gate (they are how a waiting regression is caught); below the servers' limits
   *  the tail is far steadier than a saturated one (docs/GATE.md has the A/A spread). */
  waitTolerance: number;
  /**
   * How an A/B row (per-round ratios this ÷ base) is judged:
   * - 'paired-t' (default): worse by more than the tolerance AND its paired 95% t-interval wholly
   *   on the worse side of 1 (comparePaired). The interval is honest only when the rounds are
   *   independent samples of everything that varies, and here that includes the server process:
   *   two processes of the same code differ by 10-30% for their whole life (docs/GATE.md). So the
   *   gate starts a fresh process pair every round (`processes: 'per-round'`, gate/measure.ts),
   *   and each round's ratio is one process pair's. Measured so (docs/GATE.md): A/A runs passed,
   *   and a 25% CPU regression of async failed.
   * - 'range': worse by more than the tolerance AND, as a factor, by more than the spread of its
   *   own rounds (the figures rule below). The default with kept processes (`--processes kept`):
   *   there the t-interval covers the rounds but not the two processes' own levels, and it failed
   *   unchanged code in 1-2 runs of 5; the range is wide enough to pass them, and too wide to see
   *   a 25% regression.
   */
  rule: 'range' | 'paired-t';
}

export const DEFAULT_THRESHOLDS: GateThresholds = {
  tolerance: 0.15,
  latencyTolerance: 0.5,
  p99Fails: false,
  resolution: 0.25,
  waitTolerance: 0.5,
  rule: 'paired-t',
};

/**
 * The A/A noise band of one metric: the range of its per-round values, (max - min) / median. It is
 * a range, not a ± interval, and is printed as one. With n rounds, the lowest and highest form a
 * distribution-free confidence interval for the median (n = 5: 94%, n = 7: 98%), so "worse than
 * the baseline by more than the range" means every round, or nearly, was worse. Only from
 * TRIM_FROM rounds on are the single highest and lowest set aside ([2nd, 2nd-to-last] still covers
 * the median with >= 93% confidence there). Set aside earlier (from 5 rounds, as the gate once did)
 * the band was too narrow: in an A/A run on this busy VM a row whose rounds ran 0.60-0.90 (range
 * 41%, trimmed 23%) failed at -27%. One round has no spread to see: its band is infinite (the gate
 * cannot tell noise from change with one sample, so it never fails on it).
 */
export const TRIM_FROM = 8;

/** The lowest and highest value left after the trim; undefined under two values (no spread). */
function trimmedExtremes(values: readonly number[]): { lo: number; hi: number } | undefined {
  if (values.length < 2) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const kept = s.length >= TRIM_FROM ? s.slice(1, -1) : s;
  const lo = kept[0];
  const hi = kept.at(-1);
  return lo === undefined || hi === undefined ? undefined : { lo, hi };
}

export function noiseBand(values: readonly number[]): number {
  const extremes = trimmedExtremes(values);
  if (extremes === undefined) return Number.POSITIVE_INFINITY;
  const mid = median(values);
  if (!(mid > 0)) return Number.POSITIVE_INFINITY;
  return (extremes.hi - extremes.lo) / mid;
}

export type MetricVerdict =
  | 'ok' // within the tolerance, or better
  | 'better' // improved beyond tolerance and noise (a hint to refresh the baseline)
  | 'within-noise' // worse beyond the tolerance but inside this run's noise band: passes
  | 'regression' // worse beyond both: fails the gate
  | 'advisory' // worse beyond both, on a row that does not fail the gate (p99 by default, req/s
  //            ÷ a driver-bound floor): shown only
  | 'not-measured' // in the baseline, its workload not measured in this run (other settings)
  | 'missing' // in the baseline, its workload measured but this server gave no figures: fails
  | 'new'; // in this run, not in the baseline

/** Verdicts that fail the gate. */
export const FAILING: ReadonlySet<MetricVerdict> = new Set(['regression', 'missing']);

export interface MetricRow extends MetricKey {
  id: string;
  baseline: number | null;
  now: number | null;
  /** now / baseline - 1 (signed; for p99 a positive change is worse). */
  change: number | null;
  /** How much worse, as a fraction: positive = worse, in the metric's own direction. */
  worsening: number | null;
  /** The band the verdict used: the wider of this run's spread and the baseline's. */
  band: number;
  /** This run's own spread (what more rounds can narrow). */
  runBand: number;
  rounds: number;
  verdict: MetricVerdict;
  /** True when the band is too wide to see a drop of `resolution` and nothing is decided yet. */
  undecided: boolean;
  /** req/s ÷ floor whose floor was driver-bound in most rounds: shown, never failing. */
  driverBoundYardstick?: true;
  /** A/B rows: the paired 95% t-interval of this ÷ base (`band` is then its width, high / low - 1). */
  low?: number;
  high?: number;
}

export function toleranceFor(measure: MetricKey['measure'], t: GateThresholds): number {
  if (measure === 'p99AtRate') return t.waitTolerance;
  return higherIsBetter(measure) ? t.tolerance : t.latencyTolerance;
}

/**
 * The rounds' spread as a factor, in log terms: ln(max / min) of the values the band keeps. The
 * verdict compares the change with the spread as factors, not as differences over the median:
 * ratios are multiplicative, and the relative range (max - min) / median of a large drop is itself
 * large (rounds at 0.02, 0.04 and 0.06 of the base: range 100%, so a 96% drop would be "within
 * noise", while 0.04 lies well below 0.06 / 0.02 = 3x). For small spreads the two agree.
 */
export function logSpread(values: readonly number[]): number {
  const extremes = trimmedExtremes(values);
  if (extremes === undefined) return Number.POSITIVE_INFINITY;
  const { lo, hi } = extremes;
  if (hi <= 0) return 0; // every round 0: no spread
  return lo > 0 ? Math.log(hi / lo) : Number.POSITIVE_INFINITY;
}

/** worsening: the change as a fraction, for the tolerance; factor: the same change as ln(worse
 *  factor), for the noise (see logSpread). */
function judge(worsening: number, factor: number, spread: number, tolerance: number): MetricVerdict {
  if (worsening > tolerance) return factor > spread ? 'regression' : 'within-noise';
  if (-worsening > tolerance && -factor > spread) return 'better';
  return 'ok';
}

/** Whether more rounds could change the answer for this metric. Only throughput and efficiency
 *  metrics ask for them: p99 ratios are noisy by nature (one stall moves them), and chasing a tight
 *  p99 band would spend the whole time budget; they still fail the gate when they clear their
 *  band. Nor does a req/s ratio to a driver-bound floor (see isAdvisoryOnly). */
function isUndecided(
  m: Pick<MetricSamples, 'measure'> & { driverBoundYardstick?: number; values?: readonly number[] },
  band: number,
  verdict: MetricVerdict,
  t: GateThresholds,
): boolean {
  return higherIsBetter(m.measure) && !drivenYardstick(m) && band > t.resolution && verdict !== 'regression';
}

/**
 * A req/s ÷ floor ratio whose floor rounds were mostly driver-bound: the load generator, not the
 * floor, set the denominator, so the ratio moves with the driver's CPU as much as with the
 * server. Seen here: in one run the driver's CPU got twice as slow per request, the floor's req/s
 * halved, and a server slowed down by 25% on purpose came out "+26% better" on req/s ÷ floor
 * while its CPU per request (req/CPU-s ÷ floor, which the gate fails on) showed the drop. The
 * opposite moment would fail a healthy server. Such a row is shown, but only as advisory.
 */
function drivenYardstick(m: { measure: MetricKey['measure']; driverBoundYardstick?: number; values?: readonly number[] }): boolean {
  return (
    m.measure === 'throughput' &&
    m.driverBoundYardstick !== undefined &&
    m.values !== undefined &&
    m.driverBoundYardstick * 2 > m.values.length
  );
}

/** Whether more rounds of this run could help: only when its own spread is the wide one. */
export function runIsNoisy(row: MetricRow, t: GateThresholds): boolean {
  return row.undecided && row.runBand > t.resolution;
}

/**
 * One A/B row: its values are per-round ratios this ÷ base, each from two back-to-back
 * measurements, so machine drift that hits both cancels in each. The figure is their geometric
 * mean, with the paired 95% t-interval on the log ratios (harness/analysis/interval.ts, as
 * compare's factor column). A row regresses when it is worse by more than its tolerance AND the
 * whole interval lies on the worse side of 1 (a one-sided test at 2.5%, on top of the tolerance).
 * One workload's row did both in 2 of 17 runs of unchanged servers, the pooled rows in 1
 * (docs/GATE.md); with two workloads or more a server's req/s and req/CPU-s are judged on its
 * workloads together (`judgedPooled`: metrics.ts, pooledAbMetrics) and each workload's own row
 * is advisory. It is undecided (more rounds help) while the interval is too wide to exclude a `resolution` drop.
 *
 * Why not the range rule: with n rounds the range of the ratios grows with n while a real shift
 * stays put, so "worse by more than the whole range" needed a shift several times the round-to-
 * round noise. On a quiet machine of this kind the A/A ratios of one run spread by 0.13-0.21 (sd
 * of the log, 7 rounds; 1 s windows), so the range rule could not see a 25% CPU regression at
 * all, while the t-interval's half-width there is ~0.15.
 */
function comparePaired(m: MetricSamples, t: GateThresholds, judgedPooled: boolean): MetricRow {
  const key: MetricKey = {
    workload: m.workload,
    concurrency: m.concurrency,
    subject: m.subject,
    measure: m.measure,
    ...(m.pooled ? { pooled: m.pooled } : {}),
  };
  const interval = pairedRatioInterval(
    m.values,
    m.values.map(() => 1),
  );
  const now = interval.estimate;
  const change = now - 1;
  const up = higherIsBetter(m.measure);
  const worsening = up ? -change : change;
  const tolerance = toleranceFor(m.measure, t);
  // The interval entirely on one side of 1: 'lower' is worse for req/s, better for p99.
  const worseCall = interval.call === (up ? 'lower' : 'higher');
  const betterCall = interval.call === (up ? 'higher' : 'lower');
  let verdict: MetricVerdict =
    worsening > tolerance ? (worseCall ? 'regression' : 'within-noise') : -worsening > tolerance && betterCall ? 'better' : 'ok';
  if (verdict === 'regression' && m.measure === 'p99' && !t.p99Fails) verdict = 'advisory';
  // A workload's own req/s or req/CPU-s when its server is judged on its workloads together.
  if (verdict === 'regression' && judgedPooled) verdict = 'advisory';
  // The interval's width as a factor (high / low - 1): what the table prints for a paired row.
  const band = interval.method === 'paired-t-95' ? interval.high / interval.low - 1 : Number.POSITIVE_INFINITY;
  const halfLog = interval.method === 'paired-t-95' ? Math.log(interval.high / interval.low) / 2 : Number.POSITIVE_INFINITY;
  const undecided = up && !judgedPooled && verdict !== 'regression' && halfLog > -Math.log(1 - t.resolution);
  return {
    ...key,
    id: m.id,
    baseline: 1,
    now,
    change,
    worsening,
    band,
    runBand: band,
    rounds: m.values.length,
    verdict,
    undecided,
    low: interval.low,
    high: interval.high,
  };
}

/** Compares this run's metrics with a baseline (or, with none, just summarises them). */
export function compareMetrics(current: MetricSamples[], baseline: GateBaseline | null, t: GateThresholds): MetricRow[] {
  const base = new Map((baseline?.metrics ?? []).map((m) => [m.id, m]));
  const rows: MetricRow[] = [];
  // Servers (and measures) judged on their workloads together: their one-workload rows only show.
  const sameServer = (m: MetricKey) => `${m.subject}|${m.concurrency}|${m.measure}`;
  const pooled = new Set(current.filter((m) => m.pooled !== undefined && base.has(m.id)).map(sameServer));
  for (const m of current) {
    if (baseline?.paired && t.rule === 'paired-t' && base.has(m.id)) {
      rows.push(comparePaired(m, t, m.pooled === undefined && pooled.has(sameServer(m))));
      continue;
    }
    const now = median(m.values);
    const band = noiseBand(m.values);
    const b = base.get(m.id);
    const key: MetricKey = { workload: m.workload, concurrency: m.concurrency, subject: m.subject, measure: m.measure };
    const driven = drivenYardstick(m);
    const note = driven ? { driverBoundYardstick: true as const } : {};
    if (!b) {
      const verdict: MetricVerdict = baseline ? 'new' : 'ok';
      rows.push({
        ...key,
        id: m.id,
        baseline: null,
        now,
        change: null,
        worsening: null,
        band,
        runBand: band,
        rounds: m.values.length,
        verdict,
        undecided: isUndecided(m, band, verdict, t),
        ...note,
      });
      continue;
    }
    const change = now / b.median - 1;
    const worsening = higherIsBetter(m.measure) ? -change : change;
    const widest = Math.max(band, b.band ?? Number.POSITIVE_INFINITY);
    // How many times worse, in log terms (a median of 0 is infinitely worse, or better).
    const ratio = now / b.median;
    const factor =
      ratio > 0
        ? higherIsBetter(m.measure)
          ? -Math.log(ratio)
          : Math.log(ratio)
        : higherIsBetter(m.measure)
          ? Number.POSITIVE_INFINITY
          : Number.NEGATIVE_INFINITY;
    const spread = Math.max(logSpread(m.values), Math.log1p(b.band ?? Number.POSITIVE_INFINITY));
    const judged = judge(worsening, factor, spread, toleranceFor(m.measure, t));
    const advisoryOnly = driven || (m.measure === 'p99' && !t.p99Fails);
    const verdict: MetricVerdict = judged === 'regression' && advisoryOnly ? 'advisory' : judged;
    rows.push({
      ...key,
      id: m.id,
      baseline: b.median,
      now,
      change,
      worsening,
      band: widest,
      runBand: band,
      rounds: m.values.length,
      verdict,
      undecided: isUndecided(m, widest, verdict, t),
      ...note,
    });
  }
  const measured = new Set(current.map((m) => m.id));
  // A server that failed pre-flight or never answered leaves no figures while the others in its
  // workload have some: that is the worst regression, not a gap in the settings.
  const group = (k: { workload: string; concurrency: number }) => `${k.workload}|${k.concurrency}`;
  const measuredGroups = new Set(current.map(group));
  for (const b of baseline?.metrics ?? []) {
    if (measured.has(b.id)) continue;
    const key: MetricKey = { workload: b.workload, concurrency: b.concurrency, subject: b.subject, measure: b.measure };
    const verdict: MetricVerdict = measuredGroups.has(group(b)) ? 'missing' : 'not-measured';
    rows.push({
      ...key,
      id: b.id,
      baseline: b.median,
      now: null,
      change: null,
      worsening: null,
      band: Number.NaN,
      runBand: Number.NaN,
      rounds: 0,
      verdict,
      undecided: false,
    });
  }
  return rows;
}
