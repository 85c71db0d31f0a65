// Does the unpaired (Welch) interval that `mkvss-lab diff` prints mean what it says? Many synthetic
// pairs of runs with a known true ratio, through the same code the diff uses
// (unpairedRatioInterval). Two runs share no pairs, so each round of each run gets its own drift
// of the machine (sd 10%) times the server's own round-to-round noise (CV 5-15%): all of it is
// noise to the comparison. Deterministic: one seeded PRNG.
import { describe, expect, it } from 'vitest';
import { tQuantile975, tQuantile975Fractional, unpairedRatioInterval } from '../../harness/analysis/interval.js';
import { seededRandom } from '../../harness/analysis/seeded-random.js';

type Noise = 'lognormal' | 'uniform';

function simulator(seed: number) {
  const random = seededRandom(seed);
  const normal = () => {
    let u = 0;
    while (u === 0) u = random();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  };
  const noise = (kind: Noise, cv: number) =>
    kind === 'lognormal' ? Math.exp(Math.sqrt(Math.log(1 + cv * cv)) * normal()) : 1 + cv * Math.sqrt(3) * (2 * random() - 1);
  /** One run's rounds: each round its own drift and noise. `cvNew` lets the NEW run be noisier. */
  const run = (rounds: number, level: number, cv: number, kind: Noise) =>
    Array.from({ length: rounds }, () => level * Math.exp(0.1 * normal()) * noise(kind, cv));
  return (opts: { oldRounds: number; newRounds: number; ratio: number; cv: number; cvNew?: number; kind: Noise; runs: number }) => {
    let covered = 0;
    let higher = 0;
    let lower = 0;
    for (let r = 0; r < opts.runs; r++) {
      const old = run(opts.oldRounds, 10_000, opts.cv, opts.kind);
      const neu = run(opts.newRounds, 10_000 * opts.ratio, opts.cvNew ?? opts.cv, opts.kind);
      const iv = unpairedRatioInterval(neu, old);
      if (iv.low <= opts.ratio && opts.ratio <= iv.high) covered++;
      if (iv.call === 'higher') higher++;
      if (iv.call === 'lower') lower++;
    }
    return { coverage: covered / opts.runs, win: higher / opts.runs, loss: lower / opts.runs, tie: 1 - (higher + lower) / opts.runs };
  };
}

const RUNS = 4000;

describe("Welch's t-interval on the log of each round's figure, simulated", () => {
  it.each([3, 4, 5, 8, 10])('with %i rounds a side, covers the true ratio 93-97.5 percent of the time', (rounds) => {
    const sim = simulator(2000 + rounds);
    for (const kind of ['lognormal', 'uniform'] as const) {
      for (const cv of [0.05, 0.15]) {
        for (const ratio of [1, 0.7, 1.3]) {
          const { coverage } = sim({ oldRounds: rounds, newRounds: rounds, ratio, cv, kind, runs: RUNS });
          expect(coverage, `${kind} CV ${cv} ratio ${ratio}`).toBeGreaterThanOrEqual(0.93);
          expect(coverage, `${kind} CV ${cv} ratio ${ratio}`).toBeLessThanOrEqual(0.975);
        }
      }
    }
  });

  it('keeps its coverage when the two runs differ in rounds and in noise (what Welch is for)', () => {
    const sim = simulator(31);
    for (const [oldRounds, newRounds] of [
      [3, 10],
      [5, 8],
      [5, 5],
    ] as const) {
      const { coverage } = sim({ oldRounds, newRounds, ratio: 1.2, cv: 0.05, cvNew: 0.2, kind: 'lognormal', runs: RUNS });
      expect(coverage, `${oldRounds} vs ${newRounds} rounds`).toBeGreaterThanOrEqual(0.93);
    }
    // Welch's known soft spot: only 3 rounds on the noisier side (its df is then near 2) covers a
    // little under 95% (92.8% in 20,000 runs); still near the nominal level.
    const { coverage } = sim({ oldRounds: 10, newRounds: 3, ratio: 1.2, cv: 0.05, cvNew: 0.2, kind: 'lognormal', runs: RUNS });
    expect(coverage).toBeGreaterThanOrEqual(0.91);
  });

  it('calls an A/A diff a tie at least 95% of the time (give or take sampling error)', () => {
    // 20,000 runs: the standard error of the share is 0.15%.
    const sim = simulator(4243);
    for (const rounds of [3, 5, 10]) {
      const { tie, win, loss } = sim({ oldRounds: rounds, newRounds: rounds, ratio: 1, cv: 0.1, kind: 'lognormal', runs: 20_000 });
      expect(tie, `${rounds} rounds`).toBeGreaterThanOrEqual(0.95 - 2 * 0.0015);
      // False calls split evenly between the two directions.
      expect(Math.abs(win - loss), `${rounds} rounds`).toBeLessThanOrEqual(0.01);
    }
  });

  it('calls a 0.7x throughput (a server 30% slower) a loss, never a win: most runs at 3 rounds, nearly all at 5', () => {
    // Unpaired, the machine's drift between rounds (sd 10% here) does not cancel as it does in a
    // paired compare, so it takes more rounds to call the same difference.
    const sim = simulator(700);
    const three = sim({ oldRounds: 3, newRounds: 3, ratio: 0.7, cv: 0.05, kind: 'lognormal', runs: RUNS });
    expect(three.loss).toBeGreaterThanOrEqual(0.6);
    expect(three.win).toBe(0);
    const five = sim({ oldRounds: 5, newRounds: 5, ratio: 0.7, cv: 0.05, kind: 'lognormal', runs: RUNS });
    expect(five.loss).toBeGreaterThanOrEqual(0.95);
    expect(five.win).toBe(0);
  });
});

describe('unpairedRatioInterval, by hand', () => {
  it('is exp(difference of mean logs +/- t(df) * se) with the Welch-Satterthwaite df', () => {
    const neu = [2, 4, 8];
    const old = [1, 1, 1];
    // Old has no spread, so se is the new side's alone and df = n_new - 1 = 2.
    const iv = unpairedRatioInterval(neu, old);
    const half = tQuantile975(2) * (Math.LN2 / Math.sqrt(3));
    expect(iv.method).toBe('welch-t-95');
    expect(iv.estimate).toBeCloseTo(4, 10);
    expect(Math.log(iv.low)).toBeCloseTo(2 * Math.LN2 - half, 10);
    expect(Math.log(iv.high)).toBeCloseTo(2 * Math.LN2 + half, 10);
    expect(iv.call).toBe('none'); // 4.30 * 0.40 = 1.72 > ln 4 = 1.39: the interval reaches below 1
  });

  it('ignores the order of the rounds (nothing is paired)', () => {
    const a = unpairedRatioInterval([10, 12, 11, 13], [9, 8, 10]);
    const b = unpairedRatioInterval([13, 11, 12, 10], [10, 9, 8]);
    expect(b).toEqual(a);
  });

  it('calls a clear difference, both ways', () => {
    expect(unpairedRatioInterval([70, 72, 68], [100, 101, 99]).call).toBe('lower');
    expect(unpairedRatioInterval([100, 101, 99], [70, 72, 68]).call).toBe('higher');
  });

  it('identical rounds with no spread: exactly 1, a tie', () => {
    expect(unpairedRatioInterval([5, 5, 5], [5, 5, 5])).toMatchObject({ estimate: 1, low: 1, high: 1, call: 'none', method: 'welch-t-95' });
  });

  it('below 3 rounds on a side: the range of the cross ratios, nothing called; 1 round: the ratio alone', () => {
    const two = unpairedRatioInterval([20, 30], [10, 12, 11]);
    expect(two).toMatchObject({ method: 'range', call: 'none', rounds: 2 });
    expect(two.low).toBeCloseTo(20 / 12, 10);
    expect(two.high).toBeCloseTo(30 / 10, 10);
    const one = unpairedRatioInterval([30], [10, 10, 10]);
    expect(one).toMatchObject({ method: 'none', call: 'none', rounds: 1 });
    expect(one.low).toBeCloseTo(3, 10);
    expect(one.high).toBe(one.low);
    expect(unpairedRatioInterval([0, 0], [10])).toMatchObject({ method: 'none', rounds: 0 });
  });

  it('reads the t table between whole degrees of freedom in 1/df', () => {
    expect(tQuantile975Fractional(4)).toBe(tQuantile975(4));
    const mid = tQuantile975Fractional(4.5);
    expect(mid).toBeLessThan(tQuantile975(4));
    expect(mid).toBeGreaterThan(tQuantile975(5));
    expect(() => tQuantile975Fractional(0.5)).toThrow(/degrees of freedom/);
  });
});
