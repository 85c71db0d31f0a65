// Database faults under load, cycled (npm run soak): see database-fault-cycles.ts. Faults this
// machine cannot provoke (no chattr, no mount) are left out of the cycle, and the figures say so.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, tempDir } from '../e2e/support/server-process.js';
import { describeFaultCycles, runFaultCycles, type CycleFault } from './database-fault-cycles.js';
import { immutableUnavailable, mountSmallFileSystem } from './support/fault-environment.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const CYCLES = 3;

describe.each(RELIABILITY_KINDS)('%s server, database faults cycled under load (soak)', (kind) => {
  it(`survives ${CYCLES} cycles of each fault with reads exact, writes resuming and nothing lost`, async () => {
    const fs = mountSmallFileSystem(256 * 1024 * 1024);
    const faults: CycleFault[] = ['lock'];
    if (typeof fs !== 'string') faults.push('disk-full');
    else console.info(`[reliability] fault cycles ${kind}: disk-full left out: ${fs}`);
    const noImmutable = immutableUnavailable(tempDir());
    // chattr needs an ext* file system: not the tmpfs, so the immutable fault runs only when the
    // database is not on one; cycle it in a run of its own below.
    try {
      const r = await runFaultCycles({ kind, faults, cycles: CYCLES, faultOnMs: 6_000, ...(typeof fs !== 'string' ? { fs } : {}) });
      console.info(describeFaultCycles(r));
      expectSurvived(r, faults);
    } finally {
      if (typeof fs !== 'string') fs.remove();
    }
    if (noImmutable === null) {
      const r = await runFaultCycles({ kind, faults: ['immutable'], cycles: CYCLES, faultOnMs: 3_000 });
      console.info(describeFaultCycles(r));
      expectSurvived(r, ['immutable']);
    } else {
      console.info(`[reliability] fault cycles ${kind}: immutable left out: ${noImmutable}`);
    }
  }, 300_000);
});

function expectSurvived(r: Awaited<ReturnType<typeof runFaultCycles>>, faults: CycleFault[]): void {
  expect(r.cyclesWithoutRecovery).toBe(0);
  for (const f of faults) expect(r.cyclesSurvived[f]).toBe(CYCLES);
  expect(r.readFailures).toEqual([]);
  expect(r.readsVerified).toBeGreaterThan(0);
  // Refusals are only the documented fault statuses.
  expect(Object.keys(r.refusedByStatus).filter((s) => !['503', '507'].includes(s))).toEqual([]);
  expect(r.afterRestart.errors).toEqual([]);
  expect(r.afterRestart.missing).toEqual([]);
  expect(r.afterRestart.mismatched).toEqual([]);
  expect(r.afterRestart.verified).toBe(r.acknowledged);
}
