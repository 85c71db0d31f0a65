import { describe, expect, it } from 'vitest';
import { DRIVER_LAG_LIMIT_US, roundVerdict, worstVerdict, type VerdictInput } from '../../harness/analysis/verdict.js';

// A driver with headroom: 60% of its core, its event loop at most a couple of ms late.
const healthy: VerdictInput = {
  requests: 250_000,
  driverCpuPct: 60,
  driverCpus: 1,
  driverLag: { loopDelayP99Us: 1500, loopDelayMaxUs: 4000 },
};

describe('roundVerdict', () => {
  it('is ok when the driver kept up and had CPU to spare', () => {
    expect(roundVerdict(healthy)).toEqual({ verdict: 'ok', reasons: [] });
  });

  it('is suspect with no requests at all', () => {
    expect(roundVerdict({ ...healthy, requests: 0 }).verdict).toBe('suspect');
  });

  it("is suspect when the driver's event loop fell behind by more than the limit at p99", () => {
    const behind = roundVerdict({ ...healthy, driverLag: { loopDelayP99Us: 48_000, loopDelayMaxUs: 51_000 } });
    expect(behind.verdict).toBe('suspect');
    expect(behind.reasons[0]).toMatch(
      /load generator fell behind: its event loop was 48\.0 ms late at p99 \(max 51\.0 ms, limit 20\.0 ms\)/,
    );
    expect(roundVerdict({ ...healthy, driverLag: { loopDelayP99Us: DRIVER_LAG_LIMIT_US, loopDelayMaxUs: 90_000 } }).verdict).toBe('ok'); // one long pause is not p99
  });

  it('open loop: is suspect when requests went out late against their schedule', () => {
    const late = roundVerdict({
      ...healthy,
      targetRate: 10_000,
      achievedRate: 10_000,
      driverLag: { loopDelayP99Us: 1000, loopDelayMaxUs: 2000, sendLagP99Us: 35_000 },
    });
    expect(late.verdict).toBe('suspect');
    expect(late.reasons[0]).toMatch(/fell behind its schedule: requests went out 35\.0 ms after their due time/);
    expect(
      roundVerdict({
        ...healthy,
        targetRate: 10_000,
        achievedRate: 10_000,
        driverLag: { loopDelayP99Us: 1000, loopDelayMaxUs: 2000, sendLagP99Us: 1200 },
      }).verdict,
    ).toBe('ok');
  });

  it('is driver-bound when the driver used >= 90% of its CPUs', () => {
    expect(roundVerdict({ ...healthy, driverCpuPct: 95 }).verdict).toBe('driver-bound');
    expect(roundVerdict({ ...healthy, driverCpuPct: 95, driverCpus: 2 }).verdict).toBe('ok');
    expect(roundVerdict({ ...healthy, driverCpuPct: 185, driverCpus: 2 }).verdict).toBe('driver-bound');
  });

  it('keeps suspect over driver-bound but lists both reasons', () => {
    const v = roundVerdict({ ...healthy, driverCpuPct: 99, driverLag: { loopDelayP99Us: 30_000, loopDelayMaxUs: 40_000 } });
    expect(v.verdict).toBe('suspect');
    expect(v.reasons).toHaveLength(2);
  });

  it('open loop: judges the achieved rate against the target', () => {
    const open = { ...healthy, targetRate: 10_000 };
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
    expect(
      worstVerdict([
        { verdict: 'suspect', verdictReasons: ['x'] },
        { verdict: 'driver-bound', verdictReasons: ['y'] },
      ]).verdict,
    ).toBe('suspect');
  });
});
