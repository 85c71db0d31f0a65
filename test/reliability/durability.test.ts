// Short durability variant (npm test): per server, a SIGKILL round then a SIGTERM round on the
// same database, 50 connections, 1,000 acknowledged writes per round. See durability.ts.
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs } from '../e2e/support/server-process.js';
import { describeDurability, durabilityProblems, runDurability } from './durability.js';
import { RELIABILITY_KINDS } from './support/kinds.js';

afterAll(() => cleanupTempDirs());

const ACKS_PER_ROUND = 1_000;

describe.each(RELIABILITY_KINDS)('%s server durability (short)', (kind) => {
  it('every write acknowledged before a SIGKILL, then before a SIGTERM, is there after each restart, byte for byte', async () => {
    const r = await runDurability({
      kind,
      signals: ['SIGKILL', 'SIGTERM'],
      connections: 50,
      stopAfterAcks: ACKS_PER_ROUND,
      maxWrites: 20_000,
      timeLimitMs: 20_000,
      maxValueBytes: 2_048,
      // What is checked is the acknowledged writes, not speed: the sync threads' warm start (its
      // CPU competes with the load on a busy 2-core CI machine, stretching each round) is off.
      serverFlags: ['--threads', '4', '--no-prewarm'],
    });
    console.info(describeDurability(r));
    expect(r.rounds.map((d) => d.signal)).toEqual(['SIGKILL', 'SIGTERM']);
    expect(durabilityProblems(r, ACKS_PER_ROUND)).toEqual([]);
  }, 60_000);
});
