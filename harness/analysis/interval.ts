// The interval and the call for one factor (candidate vs baseline on one metric) over paired rounds.
//
// Round i of the candidate ran right next to round i of the baseline in the interleaved schedule,
// so each round gives one ratio r_i = candidate_i / baseline_i, and drift of the machine that hits
// both sides of a pair cancels in it. Work on d_i = ln(r_i): a ratio of noisy positive figures is
// close to log-normal, and a log turns "1.3x better" and "1.3x worse" into +/- the same distance.
//
// - 3 or more rounds: a Student t-interval for the mean of d_i, exponentiated:
//     exp(mean(d) +/- t(0.975, n-1) * sd(d) / sqrt(n)),
//   with the point estimate exp(mean(d)) (the geometric mean of the per-round ratios). It is exact
//   when d_i is normal, and t (not a bootstrap) is what keeps the coverage at 95% with 3-10
//   samples. A winner is called only when this interval excludes 1, i.e. when a two-sided paired
//   t-test on the log ratios rejects "no difference" at the 5% level: with no real difference, a
//   "win" or "loss" is printed 5% of the time.
// - 2 rounds: no probability statement is worth printing (t(0.975, 1) = 12.7); the interval is the
//   range of the 2 per-round ratios, labelled as such, and nothing is called.
// - 1 round: the one ratio, no interval, nothing called.
//
// test/harness/interval-simulation.test.ts checks the claims on synthetic rounds.
//
// Two different runs (`mkvss-lab diff OLD NEW`) have no pairs: round i of OLD and round i of NEW ran
// hours apart, so nothing cancels between them and pairing them by number would invent a
// correlation. unpairedRatioInterval compares the two samples of log figures instead:
// - 3 or more rounds on each side: Welch's t-interval for the difference of the mean logs,
//     exp(mean(ln new) - mean(ln old) +/- t(0.975, df) * sqrt(s_new^2/n_new + s_old^2/n_old)),
//   with the Welch-Satterthwaite df (a fraction; the t quantile is interpolated in 1/df). Welch,
//   not the pooled two-sample t, because the two runs need not be equally noisy (a busier machine
//   on one day). The estimate is the ratio of the geometric means; a call again only when the
//   interval excludes 1.
// - fewer than 3 rounds on either side: the range of all cross ratios (lowest new / highest old to
//   highest new / lowest old), nothing called; 1 round on either side: the ratio of the geometric
//   means alone.
// test/harness/unpaired-interval-simulation.test.ts checks coverage and the A/A tie rate.

import { must } from '../must.js';

/** How a paired interval was made (report.json's Factor.interval). */
export type IntervalMethod = 'paired-t-95' | 'range' | 'none';
/** How an unpaired interval (two runs) was made; never stored in report.json. */
export type UnpairedIntervalMethod = 'welch-t-95' | 'range' | 'none';

/** Rounds needed before a difference can be called (a t-interval is printed). */
export const MIN_ROUNDS_TO_CALL = 3;
export const CONFIDENCE = 0.95;

export interface RatioInterval<Method extends string = IntervalMethod> {
  /** exp(mean of the per-round log ratios): the geometric mean of candidate_i / baseline_i. */
  estimate: number;
  low: number;
  high: number;
  method: Method;
  /** Paired rounds the interval rests on (pairs with a zero or missing figure are left out);
   *  unpaired: the smaller side's usable rounds. */
  rounds: number;
  /** 'higher' / 'lower': the test says the ratio is above / below 1; 'none': not shown (a tie,
   *  or too few rounds to test). */
  call: 'higher' | 'lower' | 'none';
}

// Student t, two-sided 95% (the 0.975 quantile), for 1-30 degrees of freedom.
const T975 = [
  12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.306, 2.2622, 2.2281, 2.201, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098,
  2.1009, 2.093, 2.086, 2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
];

/** The 0.975 quantile of Student's t with `df` degrees of freedom: a table to 30, then the
 *  Cornish-Fisher expansion around the normal quantile (off by under 0.0005 past 30). */
export function tQuantile975(df: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`degrees of freedom must be a whole number >= 1, got ${df}`);
  const tabled = T975[df - 1];
  if (tabled !== undefined) return tabled;
  const z = 1.959964;
  return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df * df);
}

/** The t quantile for a fractional df (Welch): linear in 1/df between the whole numbers either
 *  side, the usual way to read a t table between its rows (exact at whole df). */
export function tQuantile975Fractional(df: number): number {
  if (!(df >= 1)) throw new RangeError(`degrees of freedom must be >= 1, got ${df}`);
  const lo = Math.floor(df);
  const hi = Math.ceil(df);
  if (lo === hi) return tQuantile975(lo);
  const w = (1 / lo - 1 / df) / (1 / lo - 1 / hi);
  return tQuantile975(lo) + w * (tQuantile975(hi) - tQuantile975(lo));
}

/** The interval for candidate/baseline over paired rounds (same index = same round). */
export function pairedRatioInterval(candidate: readonly number[], baseline: readonly number[]): RatioInterval {
  if (candidate.length !== baseline.length) {
    throw new Error(`paired rounds need the same number of rounds on both sides (got ${candidate.length} and ${baseline.length})`);
  }
  const logs: number[] = [];
  let single = Number.NaN;
  for (const [i, c] of candidate.entries()) {
    const b = must(baseline[i], `baseline round ${i}`); // the lengths match (checked above)
    // A zero (or non-finite) figure has no ratio: that pair says nothing about the factor.
    if (c > 0 && b > 0 && Number.isFinite(c) && Number.isFinite(b)) {
      single = c / b;
      logs.push(Math.log(single));
    }
  }
  const n = logs.length;
  if (n === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, method: 'none', rounds: 0, call: 'none' };
  const mean = logs.reduce((a, x) => a + x, 0) / n;
  const estimate = Math.exp(mean);
  if (n === 1) return { estimate: single, low: single, high: single, method: 'none', rounds: 1, call: 'none' };
  if (n < MIN_ROUNDS_TO_CALL) {
    return { estimate, low: Math.exp(Math.min(...logs)), high: Math.exp(Math.max(...logs)), method: 'range', rounds: n, call: 'none' };
  }
  const variance = logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  const half = tQuantile975(n - 1) * Math.sqrt(variance / n);
  const low = Math.exp(mean - half);
  const high = Math.exp(mean + half);
  const call = low > 1 ? 'higher' : high < 1 ? 'lower' : 'none';
  return { estimate, low, high, method: 'paired-t-95', rounds: n, call };
}

/** Logs of the usable (positive, finite) figures: a zero figure has no log and says nothing. */
function usableLogs(values: readonly number[]): number[] {
  return values.filter((v) => v > 0 && Number.isFinite(v)).map((v) => Math.log(v));
}

function meanOf(xs: readonly number[]): number {
  return xs.reduce((a, x) => a + x, 0) / xs.length;
}

function sampleVariance(xs: readonly number[], mean: number): number {
  return xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1);
}

/** The interval for candidate/baseline when the rounds are NOT paired (two separate runs): Welch's
 *  t-interval on the log of each round's figure (see the file comment). */
export function unpairedRatioInterval(candidate: readonly number[], baseline: readonly number[]): RatioInterval<UnpairedIntervalMethod> {
  const c = usableLogs(candidate);
  const b = usableLogs(baseline);
  const rounds = Math.min(c.length, b.length);
  if (rounds === 0) return { estimate: Number.NaN, low: Number.NaN, high: Number.NaN, method: 'none', rounds: 0, call: 'none' };
  const mc = meanOf(c);
  const mb = meanOf(b);
  const estimate = Math.exp(mc - mb);
  // One round on either side: nothing to say about the spread of that side.
  if (rounds === 1) return { estimate, low: estimate, high: estimate, method: 'none', rounds: 1, call: 'none' };
  if (rounds < MIN_ROUNDS_TO_CALL) {
    const low = Math.exp(Math.min(...c) - Math.max(...b));
    const high = Math.exp(Math.max(...c) - Math.min(...b));
    return { estimate, low, high, method: 'range', rounds, call: 'none' };
  }
  const vc = sampleVariance(c, mc) / c.length;
  const vb = sampleVariance(b, mb) / b.length;
  const se = Math.sqrt(vc + vb);
  // No spread on either side (identical synthetic rounds): the interval is the point itself.
  if (se === 0) {
    return {
      estimate,
      low: estimate,
      high: estimate,
      method: 'welch-t-95',
      rounds,
      call: estimate > 1 ? 'higher' : estimate < 1 ? 'lower' : 'none',
    };
  }
  // Welch-Satterthwaite; it lies between min(n)-1 and n_c+n_b-2, so >= 2 here.
  const df = (vc + vb) ** 2 / (vc ** 2 / (c.length - 1) + vb ** 2 / (b.length - 1));
  const half = tQuantile975Fractional(df) * se;
  const low = Math.exp(mc - mb - half);
  const high = Math.exp(mc - mb + half);
  const call = low > 1 ? 'higher' : high < 1 ? 'lower' : 'none';
  return { estimate, low, high, method: 'welch-t-95', rounds, call };
}
