// Long durability variant (npm run soak): per server, SIGKILL, SIGTERM, SIGKILL rounds on the
// same database, 50 connections, 10,000 acknowledged writes per round, values up to 16 KiB.
// See durability.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs } from '../e2e/support/server-process.js';
import { describeDurability, durabilityProblems, runDurability } from './durability.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const ACKS_PER_ROUND = 10_000;

describe.each(RELIABILITY_KINDS)('%s server durability (soak)', (kind) => {
  it('every write acknowledged before each SIGKILL and SIGTERM is there after each restart, byte for byte', async () => {
    const r = await runDurability({
      kind,
      signals: ['SIGKILL', 'SIGTERM', 'SIGKILL'],
      connections: 50,
      stopAfterAcks: ACKS_PER_ROUND,
      maxWrites: 200_000,
      timeLimitMs: 120_000,
      maxValueBytes: 16 * 1024,
    });
    console.info(describeDurability(r));
    expect(durabilityProblems(r, ACKS_PER_ROUND)).toEqual([]);
  }, 400_000);
});
