// Does the printed interval mean what it says? Many synthetic runs of N paired rounds, drawn from
// known distributions with a known true ratio, through the same code the report uses
// (pairedRatioInterval). Deterministic: one seeded PRNG, so the counts below are the same on every
// machine. The noise model is the lab's: a drift shared by both rounds of a pair (the machine
// getting busier or quieter, sd 20%) times each server's own round-to-round noise (CV 5-15%).
import { describe, expect, it } from 'vitest';
import { pairedRatioInterval } from '../../harness/analysis/interval.js';
import { seededRandom } from '../../harness/analysis/seeded-random.js';
import { DEFAULT_COMPARE_SETTINGS } from '../../harness/run/settings.js';

type Noise = 'lognormal' | 'uniform' | 'outliers';

function simulator(seed: number) {
  const random = seededRandom(seed);
  const normal = () => {
    let u = 0;
    while (u === 0) u = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  /** One server's multiplicative round noise with coefficient of variation `cv`. */
  const noise = (kind: Noise, cv: number) => {
    if (kind === 'lognormal') return Math.exp(Math.sqrt(Math.log(1 + cv * cv)) * normal());
    if (kind === 'uniform') return 1 + cv * Math.sqrt(3) * (2 * random() - 1);
    // Heavier tail: one round in ten is 30% slow (a neighbour's burst), on top of lognormal noise.
    return (random() < 0.1 ? 0.7 : 1) * Math.exp(cv * normal());
  };
  /** Share of `runs` synthetic comparisons whose interval covers `ratio`, and how they were called. */
  return (rounds: number, ratio: number, cv: number, kind: Noise, runs: number) => {
    let covered = 0;
    let higher = 0;
    let none = 0;
    for (let r = 0; r < runs; r++) {
      const baseline: number[] = [];
      const candidate: number[] = [];
      for (let i = 0; i < rounds; i++) {
        const drift = Math.exp(0.2 * normal());
        baseline.push(10_000 * drift * noise(kind, cv));
        candidate.push(10_000 * ratio * drift * noise(kind, cv));
      }
      const iv = pairedRatioInterval(candidate, baseline);
      if (iv.low <= ratio && ratio <= iv.high) covered++;
      if (iv.call === 'higher') higher++;
      if (iv.call === 'none') none++;
    }
    return { coverage: covered / runs, win: higher / runs, tie: none / runs };
  };
}

const RUNS = 4000;

describe('the 95% paired t-interval on log ratios, simulated', () => {
  it.each([3, 4, 5, 6, 8, 10])(
    'with %i rounds, covers the true ratio 93-97 percent of the time (normal and uniform noise, CV 5 and 10 percent)',
    (rounds) => {
      const sim = simulator(1000 + rounds);
      for (const kind of ['lognormal', 'uniform'] as const) {
        for (const cv of [0.05, 0.1]) {
          for (const ratio of [1, 1.3, 8.5]) {
            const { coverage } = sim(rounds, ratio, cv, kind, RUNS);
            expect(coverage, `${kind} CV ${cv} ratio ${ratio}`).toBeGreaterThanOrEqual(0.93);
            expect(coverage, `${kind} CV ${cv} ratio ${ratio}`).toBeLessThanOrEqual(0.97);
          }
        }
      }
    },
  );

  it('stays at or above 93% when one round in ten is an outlier (heavier tail than the t assumes)', () => {
    const sim = simulator(77);
    for (const rounds of [3, 5, 10]) expect(sim(rounds, 1, 0.05, 'outliers', RUNS).coverage).toBeGreaterThanOrEqual(0.93);
  });

  it("calls an A/A comparison a tie 95% of the time, within sampling error (the test's stated 5% error rate)", () => {
    // 20,000 runs: the standard error of the share is 0.15%. The t-test's false-call rate is 5% by
    // construction, so the tie share is 95% give or take that sampling error.
    const sim = simulator(4242);
    for (const rounds of [3, 5, 10]) {
      const { tie, win } = sim(rounds, 1, 0.1, 'lognormal', 20_000);
      expect(tie).toBeGreaterThanOrEqual(0.95 - 2 * 0.0015);
      expect(win).toBeLessThanOrEqual(0.025 + 2 * 0.0011); // half the false calls go each way
    }
  });

  it(`calls a true 1.3x difference a win at the default rounds (${DEFAULT_COMPARE_SETTINGS.rounds})`, () => {
    const sim = simulator(1300);
    const rounds = DEFAULT_COMPARE_SETTINGS.rounds;
    // 5% round-to-round CV per server (a quiet, pinned machine): practically always.
    const quiet = sim(rounds, 1.3, 0.05, 'lognormal', RUNS);
    expect(quiet.win).toBeGreaterThanOrEqual(0.99);
    // 10% CV: about 70% of the time at 4 rounds (the standard error of the share is 0.7% here).
    const noisy = sim(rounds, 1.3, 0.1, 'lognormal', RUNS);
    expect(noisy.win).toBeGreaterThanOrEqual(0.65);
    // ...and never calls it the other way round.
    expect(quiet.win + quiet.tie).toBe(1);
    expect(noisy.win + noisy.tie).toBe(1);
  });

  it('calls a true 1.3x difference a win more often with 5 and 6 rounds at 10% noise', () => {
    const sim = simulator(1300);
    expect(sim(5, 1.3, 0.05, 'lognormal', RUNS).win).toBeGreaterThanOrEqual(0.99);
    // 10% CV: most of the time at 5 rounds (~86%), at least 93% from 6 rounds.
    expect(sim(5, 1.3, 0.1, 'lognormal', RUNS).win).toBeGreaterThanOrEqual(0.8);
    expect(sim(6, 1.3, 0.1, 'lognormal', RUNS).win).toBeGreaterThanOrEqual(0.93);
    const noisy = sim(5, 1.3, 0.1, 'lognormal', RUNS);
    expect(noisy.win + noisy.tie).toBe(1);
  });

  it('with 2 rounds prints their range and calls nothing; with 1 round, no interval', () => {
    const two = pairedRatioInterval([20, 33], [10, 11]);
    expect(two).toMatchObject({ method: 'range', call: 'none', rounds: 2 });
    expect(two.low).toBeCloseTo(2, 10);
    expect(two.high).toBeCloseTo(3, 10);
    expect(pairedRatioInterval([30], [10])).toMatchObject({ method: 'none', call: 'none', estimate: 3, low: 3, high: 3 });
  });
});
