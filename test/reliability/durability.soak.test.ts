// Long durability variant (npm run soak): 10,000 acknowledged writes before the stop, on 50
// connections, values up to 16 KiB. See durability.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs } from '../e2e/support/server-process.js';
import { describeDurability, runDurability, type DurabilityOptions } from './durability.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const SOAK: Omit<DurabilityOptions, 'kind' | 'signal'> = {
  connections: 50,
  stopAfterAcks: 10_000,
  maxWrites: 200_000,
  timeLimitMs: 120_000,
  maxValueBytes: 16 * 1024,
};

describe.each(RELIABILITY_KINDS)('%s server durability (soak)', (kind) => {
  it.each(['SIGKILL', 'SIGTERM'] as const)('every write acknowledged before %s is there after a restart, byte for byte', async (signal) => {
    const r = await runDurability({ ...SOAK, kind, signal });
    console.info(describeDurability(r));
    expect(r.acknowledged).toBeGreaterThanOrEqual(SOAK.stopAfterAcks);
    expect(r.unexpectedStatuses).toEqual({});
    expect(r.verify.errors).toEqual([]);
    expect(r.verify.missing).toEqual([]);
    expect(r.verify.mismatched).toEqual([]);
    expect(r.verify.verified).toBe(r.acknowledged);
    if (signal === 'SIGKILL') expect(r.exit.signal).toBe('SIGKILL');
    else expect(r.exit).toEqual({ code: 0, signal: null });
  }, 300_000);
});
