// The knee of a server under open-loop load, as pure decision rules: when one step "keeps up",
// how the offered rate grows and is then refined by bisection, and which rates the tables measure
// at. No servers, no I/O: `findKnee` takes the measurement as a function, so the rules are
// unit-tested against synthetic servers (test/harness/knee-search.test.ts).
//
// A step keeps up when it answers (nearly) everything it is offered, quickly, without errors:
//   achieved >= minAchievedFraction x offered (default 95%), p99 <= p99BoundUs (default 50 ms,
//   from the intended send time, so a queue that builds up shows in it), and no failed request.
// The search offers startRate, then x growth per step while the steps keep up; the first step
// that does not brackets the knee between it and the last good one, and `refineSteps` bisections
// narrow that bracket (x1.5 growth and 3 bisections: the knee is known to within 1/16 of the last
// good rate's 50% bracket, ~6%). The knee is the highest offered rate that kept up. A step that
// fails is repeated once (rule.retries) before it counts as failed: see KneeRule.retries.
import { formatMs, formatPercent } from '../number-format.js';

export interface KneeRule {
  /** First offered rate, req/s. */
  startRate: number;
  /** Each growth step offers this many times the last (> 1). */
  growth: number;
  /** Bisections between the last good and the first bad step. */
  refineSteps: number;
  /** A step keeps up when achieved >= this fraction of offered. */
  minAchievedFraction: number;
  /** ... and its p99 (µs, from the intended send time) is at most this. */
  p99BoundUs: number;
  /** Stop growing past this (the driver's own limit lies somewhere): the knee is then "at least". */
  maxRate: number;
  /** A step that does not keep up is measured again this many times at the same rate, and passes
   *  if any repeat keeps up. Why: on a shared machine one stall of the whole machine (100 ms and
   *  more, seen here at load average 20-30) puts a 2 s step's p99 over the bound at any rate, and
   *  would end the growth far below the knee; a server really past its knee fails every repeat. */
  retries: number;
}

export const DEFAULT_KNEE_RULE: KneeRule = {
  startRate: 1000,
  growth: 1.5,
  refineSteps: 3,
  minAchievedFraction: 0.95,
  p99BoundUs: 50_000,
  maxRate: 200_000,
  retries: 1,
};

/** What one step measured. */
export interface StepFigures {
  offered: number;
  /** Responses per second over the window (any status). */
  achieved: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  /** Expected responses / requests in the window (1 when nothing failed). */
  successRate: number;
  requests: number;
}

export interface KneeStep extends StepFigures {
  phase: 'grow' | 'refine';
  /** A repeat of the step before it, at the same rate (that one did not keep up). */
  retry?: boolean;
  ok: boolean;
  /** Why it did not keep up (empty when ok). */
  reasons: string[];
}

export interface KneeSearch {
  steps: KneeStep[];
  /** The highest offered rate that kept up; null when even the first step did not. */
  knee: KneeStep | null;
  /** The lowest offered rate above the knee that did not keep up; null when growth hit maxRate. */
  firstBad: KneeStep | null;
  /** Growth stopped at maxRate with every step keeping up: the knee is at least `knee.offered`. */
  capped: boolean;
}

/** Whether one step kept up, and if not, why. */
export function judgeStep(f: StepFigures, rule: Pick<KneeRule, 'minAchievedFraction' | 'p99BoundUs'>): { ok: boolean; reasons: string[] } {
  const reasons: string[] = [];
  if (f.requests === 0) reasons.push('no requests');
  if (f.achieved < rule.minAchievedFraction * f.offered)
    reasons.push(`achieved ${Math.round(f.achieved)} < ${formatPercent(rule.minAchievedFraction)} of offered`);
  if (!(f.p99Us <= rule.p99BoundUs))
    reasons.push(Number.isFinite(f.p99Us) ? `p99 ${formatMs(f.p99Us)} > ${formatMs(rule.p99BoundUs)}` : 'no p99 (no responses)');
  if (f.successRate < 1) reasons.push(`${((1 - f.successRate) * 100).toPrecision(2)}% errors`);
  return { ok: reasons.length === 0, reasons };
}

export function checkRule(rule: KneeRule): void {
  if (!(rule.startRate >= 1)) throw new RangeError(`the knee search needs a start rate >= 1 req/s, got ${rule.startRate}`);
  if (!(rule.growth > 1)) throw new RangeError(`the knee search needs a growth factor > 1, got ${rule.growth}`);
  if (!(rule.maxRate >= rule.startRate))
    throw new RangeError(`the knee search's max rate (${rule.maxRate}) is below its start rate (${rule.startRate})`);
  if (!Number.isInteger(rule.refineSteps) || rule.refineSteps < 0)
    throw new RangeError(`refine steps must be a whole number >= 0, got ${rule.refineSteps}`);
  if (!Number.isInteger(rule.retries) || rule.retries < 0) throw new RangeError(`retries must be a whole number >= 0, got ${rule.retries}`);
}

/**
 * Grow the offered rate geometrically until a step does not keep up, then bisect between the last
 * good and the first bad rate `rule.refineSteps` times. `measureAt(rate, phase)` runs one step.
 * Rates are whole requests per second.
 */
export async function findKnee(
  measureAt: (rate: number, phase: KneeStep['phase']) => Promise<StepFigures>,
  rule: KneeRule,
  onStep: (step: KneeStep, index: number) => void = () => {},
): Promise<KneeSearch> {
  checkRule(rule);
  const steps: KneeStep[] = [];
  const once = async (rate: number, phase: KneeStep['phase'], retry: boolean): Promise<KneeStep> => {
    const f = await measureAt(rate, phase);
    const step: KneeStep = { ...f, phase, ...(retry ? { retry } : {}), ...judgeStep(f, rule) };
    steps.push(step);
    onStep(step, steps.length - 1);
    return step;
  };
  // A failed step is repeated up to rule.retries times; the first repeat that keeps up counts.
  const run = async (rate: number, phase: KneeStep['phase']): Promise<KneeStep> => {
    let step = await once(rate, phase, false);
    for (let i = 0; i < rule.retries && !step.ok; i++) step = await once(rate, phase, true);
    return step;
  };
  let good: KneeStep | null = null;
  let bad: KneeStep | null = null;
  for (let rate = Math.round(rule.startRate); rate <= rule.maxRate; rate = Math.round(rate * rule.growth)) {
    const step = await run(rate, 'grow');
    if (!step.ok) {
      bad = step;
      break;
    }
    good = step;
  }
  if (good === null) return { steps, knee: null, firstBad: bad, capped: false };
  if (bad === null) return { steps, knee: good, firstBad: null, capped: true };
  for (let i = 0; i < rule.refineSteps; i++) {
    const mid = Math.round((good.offered + bad.offered) / 2);
    // Whole req/s: once the bracket is one request per second wide, there is nothing left to split.
    if (mid <= good.offered || mid >= bad.offered) break;
    const step = await run(mid, 'refine');
    if (step.ok) good = step;
    else bad = step;
  }
  return { steps, knee: good, firstBad: bad, capped: false };
}

/** How many steps a search takes at most before the refinement (for an ETA): growth from start to
 *  `expectedKnee`, one past it, then the bisections. */
export function expectedSteps(rule: KneeRule, expectedKnee: number): number {
  const grow = Math.max(1, Math.ceil(Math.log(Math.max(expectedKnee, rule.startRate) / rule.startRate) / Math.log(rule.growth)) + 1);
  // The first bad step is repeated, and about half the bisections fail (and are repeated).
  return grow + rule.refineSteps + rule.retries * (1 + Math.ceil(rule.refineSteps / 2));
}

export interface RatePoint<S extends string = string> {
  server: S;
  /** 'own': a fraction of this server's own knee; 'equal': of the smallest knee of all servers. */
  basis: 'own' | 'equal';
  fraction: number;
  rate: number;
}

/**
 * The rates the tables measure at: each server at `fractions` of its own knee, and every server at
 * `fractions` of the smallest knee (the same absolute rates for all). Servers without a knee are
 * left out of both (they have no own knee, and cannot set the equal rates).
 */
export function tableRates<S extends string>(
  knees: ReadonlyArray<{ server: S; knee: number | null }>,
  fractions: readonly number[],
): RatePoint<S>[] {
  const found = knees.filter((k): k is { server: S; knee: number } => k.knee !== null && k.knee > 0);
  if (found.length === 0) return [];
  const smallest = Math.min(...found.map((k) => k.knee));
  const points: RatePoint<S>[] = [];
  for (const basis of ['own', 'equal'] as const) {
    for (const fraction of fractions) {
      for (const k of found)
        points.push({ server: k.server, basis, fraction, rate: Math.max(1, Math.round(fraction * (basis === 'own' ? k.knee : smallest))) });
    }
  }
  return points;
}

/** One measurement per distinct (server, rate): the slowest server's own-knee rates are its equal
 *  rates, measured once and shown in both tables. */
export function distinctRates<S extends string>(points: readonly RatePoint<S>[]): Array<{ server: S; rate: number }> {
  const seen = new Set<string>();
  const out: Array<{ server: S; rate: number }> = [];
  for (const p of points) {
    const key = `${p.server}|${p.rate}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ server: p.server, rate: p.rate });
  }
  return out;
}

/**
 * The order the table measurements run in: per round, rate by rate (lowest first), the servers
 * interleaved, their order reversed every other round (A B, B A) so drift hits all alike.
 */
export function tableSchedule<S extends string>(
  points: readonly RatePoint<S>[],
  servers: readonly S[],
  rounds: number,
): Array<{ round: number; server: S; rate: number }> {
  const distinct = distinctRates(points);
  const rates = [...new Set(distinct.map((d) => d.rate))].sort((a, b) => a - b);
  const out: Array<{ round: number; server: S; rate: number }> = [];
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? servers : [...servers].reverse();
    for (const rate of rates)
      for (const server of order) if (distinct.some((d) => d.server === server && d.rate === rate)) out.push({ round, server, rate });
  }
  return out;
}
