// Database faults (npm test): see database-faults.ts. Each fault that needs a privilege this
// machine may not have (chattr, mount) is skipped with the reason when it cannot be provoked.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, tempDir } from '../e2e/support/server-process.js';
import { describeFault, runFullDiskFault, runImmutableFault, runLockFault, type FaultResult } from './database-faults.js';
import { immutableUnavailable, mountSmallFileSystem } from './support/fault-environment.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

function expectSurvived(r: FaultResult): void {
  expect(r.readsUnderFault.errors).toEqual([]);
  expect(r.readsUnderFault.missing).toEqual([]);
  expect(r.readsUnderFault.mismatched).toEqual([]);
  expect(r.readsUnderFault.verified).toBe(r.ackedBeforeFault);
  expect(r.writeAfterClear).toBe(201);
  expect(r.afterRestart.errors).toEqual([]);
  expect(r.afterRestart.missing).toEqual([]);
  expect(r.afterRestart.mismatched).toEqual([]);
  expect(r.afterRestart.verified).toBe(r.ackedTotal);
}

const immutableProbeDir = tempDir();
const noImmutable = immutableUnavailable(immutableProbeDir);
const probeFs = mountSmallFileSystem(1024 * 1024);
const noMount = typeof probeFs === 'string' ? probeFs : null;
if (typeof probeFs !== 'string') probeFs.remove();

// concurrent: the lock tests mostly wait out busy_timeout, so running the six side by side keeps
// this file's wall time near its slowest test.
describe.concurrent.each(RELIABILITY_KINDS)('%s server under database faults', (kind) => {
  it('a lock held by another process: writes get 503 + Retry-After, reads go on, nothing is lost', async () => {
    const r = await runLockFault(kind);
    console.info(describeFault(r));
    expect(r.writeStatusesUnderFault).toEqual({ 503: 1 });
    expect(JSON.parse(r.refusalBody)).toEqual({ error: 'database is busy, retry' });
    expect(r.refusalRetryAfter).toBe('1');
    expectSurvived(r);
  }, 45_000);

  // Skipped only where chattr +i cannot be used (not ext*, or no CAP_LINUX_IMMUTABLE): reason below.
  it.skipIf(noImmutable !== null)(
    `immutable database files: writes get 503 (I/O error), reads go on, nothing is lost${noImmutable ? ` [skipped: ${noImmutable}]` : ''}`,
    async () => {
      const r = await runImmutableFault(kind, tempDir());
      console.info(describeFault(r));
      expect(Object.keys(r.writeStatusesUnderFault)).toEqual(['503']);
      expect(JSON.parse(r.refusalBody)).toEqual({ error: 'database I/O error' });
      expectSurvived(r);
    },
    45_000,
  );

  // Skipped only where a tmpfs cannot be mounted (no CAP_SYS_ADMIN): reason below.
  it.skipIf(noMount !== null)(
    `a full disk: writes get 507, reads go on, writes resume when space returns, nothing is lost${noMount ? ` [skipped: ${noMount}]` : ''}`,
    async () => {
      const fs = mountSmallFileSystem(2 * 1024 * 1024);
      if (typeof fs === 'string') throw new Error(fs);
      try {
        const r = await runFullDiskFault(kind, fs, 64 * 1024 * 1024);
        console.info(describeFault(r));
        // Some writes fit, then the first refusal is a 507 (the loop stops at it).
        expect(r.writeStatusesUnderFault[507]).toBe(1);
        expect(Object.keys(r.writeStatusesUnderFault).filter((s) => s !== '201' && s !== '507')).toEqual([]);
        expect(JSON.parse(r.refusalBody)).toEqual({ error: 'insufficient storage: database disk is full' });
        expectSurvived(r);
      } finally {
        fs.remove();
      }
    },
    45_000,
  );
});
