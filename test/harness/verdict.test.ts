import { describe, expect, it } from 'vitest';
import { roundVerdict, worstVerdict, type VerdictInput } from '../../harness/analysis/verdict.js';

// 50 connections, 25k req/s at 2 ms mean: 50 in flight, exactly Little's law.
const healthy: VerdictInput = { requests: 250_000, responseRate: 25_000, meanLatencyUs: 2000, inFlight: 50, driverCpuPct: 60, driverCpus: 1 };

describe('roundVerdict', () => {
  it('is ok when Little\'s law holds and the driver had headroom', () => {
    expect(roundVerdict(healthy)).toEqual({ verdict: 'ok', reasons: [] });
  });

  it('is suspect with no requests at all', () => {
    expect(roundVerdict({ ...healthy, requests: 0 }).verdict).toBe('suspect');
  });

  it('is suspect when throughput x latency is far from the connections in flight', () => {
    const tooFew = roundVerdict({ ...healthy, meanLatencyUs: 800 }); // 20 in flight of 50
    expect(tooFew.verdict).toBe('suspect');
    expect(tooFew.reasons[0]).toMatch(/Little's law/);
    expect(roundVerdict({ ...healthy, meanLatencyUs: 4000 }).verdict).toBe('suspect'); // 100 of 50
    expect(roundVerdict({ ...healthy, meanLatencyUs: 1500 }).verdict).toBe('ok'); // 37.5: within 0.5-1.5x
  });

  it('is driver-bound when the driver used >= 90% of its CPUs', () => {
    expect(roundVerdict({ ...healthy, driverCpuPct: 95 }).verdict).toBe('driver-bound');
    expect(roundVerdict({ ...healthy, driverCpuPct: 95, driverCpus: 2 }).verdict).toBe('ok');
    expect(roundVerdict({ ...healthy, driverCpuPct: 185, driverCpus: 2 }).verdict).toBe('driver-bound');
  });

  it('keeps suspect over driver-bound but lists both reasons', () => {
    const v = roundVerdict({ ...healthy, driverCpuPct: 99, meanLatencyUs: 100 });
    expect(v.verdict).toBe('suspect');
    expect(v.reasons).toHaveLength(2);
  });

  it('open loop: judges the achieved rate against the target instead of Little\'s law', () => {
    const open = { ...healthy, meanLatencyUs: 100, targetRate: 10_000 };
    expect(roundVerdict({ ...open, achievedRate: 9_800 }).verdict).toBe('ok');
    const missed = roundVerdict({ ...open, achievedRate: 9_000 });
    expect(missed.verdict).toBe('suspect');
    expect(missed.reasons[0]).toMatch(/below the 10000 req\/s target/);
  });
});

describe('worstVerdict', () => {
  it('takes the worst round and every distinct reason', () => {
    const w = worstVerdict([
      { verdict: 'ok', verdictReasons: [] },
      { verdict: 'driver-bound', verdictReasons: ['a'] },
      { verdict: 'driver-bound', verdictReasons: ['a'] },
    ]);
    expect(w).toEqual({ verdict: 'driver-bound', reasons: ['a'] });
    expect(worstVerdict([{ verdict: 'suspect', verdictReasons: ['x'] }, { verdict: 'driver-bound', verdictReasons: ['y'] }]).verdict).toBe('suspect');
  });
});
