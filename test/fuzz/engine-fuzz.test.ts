// Short fuzz run (npm test): thousands of cases in a few seconds. The soak runs ~30x more.
import { describe, expect, it } from 'vitest';
import { describeFuzz, runEngineFuzz, type FuzzRuns } from './engine-fuzz.js';

const SHORT: FuzzRuns = { mutated: 6_000, splitInvariance: 2_000, generated: 1_500, endlessStreams: 8 };

describe('engine fuzz (short)', () => {
  it('survives mutated real captures, split changes, generated pipelines and endless streams', () => {
    const figures = runEngineFuzz(SHORT);
    console.info(describeFuzz(SHORT, figures));
    expect(figures.stats.inputs).toBeGreaterThanOrEqual(SHORT.mutated + SHORT.generated + SHORT.endlessStreams);
    // Not a speed check: a guard that no single input made the engine spin.
    expect(figures.slowestCaseMs).toBeLessThan(5_000);
    expect(figures.heapGrowthMiB).toBeLessThan(256);
  }, 60_000);
});
