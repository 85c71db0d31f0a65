// Short durability variant (npm test): see durability.ts. The soak variant writes far more.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs } from '../e2e/support/server-process.js';
import { describeDurability, runDurability, type DurabilityOptions } from './durability.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const SHORT: Omit<DurabilityOptions, 'kind' | 'signal'> = {
  connections: 50,
  stopAfterAcks: 1_000,
  maxWrites: 20_000,
  timeLimitMs: 20_000,
  maxValueBytes: 2_048,
  serverFlags: ['--threads', '4'],
};

describe.each(RELIABILITY_KINDS)('%s server durability (short)', (kind) => {
  it.each(['SIGKILL', 'SIGTERM'] as const)('every write acknowledged before %s is there after a restart, byte for byte', async (signal) => {
    const r = await runDurability({ ...SHORT, kind, signal });
    console.info(describeDurability(r));
    expect(r.acknowledged).toBeGreaterThanOrEqual(SHORT.stopAfterAcks);
    expect(r.unexpectedStatuses).toEqual({});
    expect(r.verify.errors).toEqual([]);
    expect(r.verify.missing).toEqual([]);
    expect(r.verify.mismatched).toEqual([]);
    expect(r.verify.verified).toBe(r.acknowledged);
    if (signal === 'SIGKILL') expect(r.exit.signal).toBe('SIGKILL');
    else expect(r.exit).toEqual({ code: 0, signal: null });
  }, 60_000);
});
