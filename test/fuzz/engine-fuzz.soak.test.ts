// Long fuzz run (npm run soak): ~30x the short run's cases. See engine-fuzz.ts.
import { describe, expect, it } from 'vitest';
import { describeFuzz, runEngineFuzz, type FuzzRuns } from './engine-fuzz.js';

const SOAK: FuzzRuns = { mutated: 300_000, splitInvariance: 60_000, generated: 30_000, endlessStreams: 100 };

describe('engine fuzz (soak)', () => {
  it('survives mutated real captures, split changes, generated pipelines and endless streams', () => {
    const figures = runEngineFuzz(SOAK);
    console.info(describeFuzz(SOAK, figures));
    expect(figures.stats.inputs).toBeGreaterThanOrEqual(SOAK.mutated + SOAK.generated + SOAK.endlessStreams);
    expect(figures.slowestCaseMs).toBeLessThan(5_000);
    expect(figures.heapGrowthMiB).toBeLessThan(512);
  }, 600_000);
});
