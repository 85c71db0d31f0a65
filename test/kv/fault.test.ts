// MKVSS_FAULT_DELAY_US: free when unset, a real per-request delay when set, loud when malformed.
import { describe, expect, it } from 'vitest';
import type { Handler } from '../../servers/http/types.js';
import { faultDelayMicros, faultSleep, withFaultInjection } from '../../servers/kv/fault.js';
import { request } from './temp-database.js';

const canned: Handler = () => ({ status: 200, body: 'ok' });

describe('withFaultInjection', () => {
  it('returns the very same handler when the variable is unset, empty or 0', () => {
    expect(withFaultInjection(canned, {})).toBe(canned);
    expect(withFaultInjection(canned, { MKVSS_FAULT_DELAY_US: '' })).toBe(canned);
    expect(withFaultInjection(canned, { MKVSS_FAULT_DELAY_US: '0' })).toBe(canned);
  });

  it('delays each request by at least the configured time and still answers', () => {
    const delayed = withFaultInjection(canned, { MKVSS_FAULT_DELAY_US: '20000' });
    expect(delayed).not.toBe(canned);
    for (let i = 0; i < 3; i++) {
      const start = process.hrtime.bigint();
      const response = delayed(request('GET', '/keys/a'));
      const elapsedUs = Number(process.hrtime.bigint() - start) / 1000;
      expect(response).toEqual({ status: 200, body: 'ok' });
      expect(elapsedUs).toBeGreaterThanOrEqual(20000); // a lower bound: safe on a busy machine
    }
  });

  it.each(['abc', '-5', '1.5', '1e3', '10000001'])('refuses %s with a clear error', (raw) => {
    expect(() => withFaultInjection(canned, { MKVSS_FAULT_DELAY_US: raw })).toThrow(/^MKVSS_FAULT_DELAY_US must be/);
  });

  it('reads whole microseconds, allowing surrounding spaces', () => {
    expect(faultDelayMicros({ MKVSS_FAULT_DELAY_US: ' 250 ' })).toBe(250);
  });

  it('sleeps on one request in K, and only on that one, without spinning', () => {
    const waiting = withFaultInjection(canned, { MKVSS_FAULT_SLEEP_US: '20000', MKVSS_FAULT_SLEEP_EVERY: '3' });
    expect(waiting).not.toBe(canned);
    const elapsed: number[] = [];
    for (let i = 0; i < 6; i++) {
      const wall = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      expect(waiting(request('GET', '/keys/a'))).toEqual({ status: 200, body: 'ok' });
      const used = process.cpuUsage(cpu);
      elapsed.push(Number(process.hrtime.bigint() - wall) / 1000);
      // A wait, not a spin: far less CPU than the 20 ms it took (lower bounds only: safe when busy).
      if (i % 3 === 2) expect(used.user + used.system).toBeLessThan(10_000);
    }
    expect(elapsed.filter((us) => us >= 20_000)).toHaveLength(2);
    expect(elapsed[2]).toBeGreaterThanOrEqual(20_000);
    expect(elapsed[5]).toBeGreaterThanOrEqual(20_000);
  });

  it('reads the sleep fault (every request when K is not given) and refuses bad values', () => {
    expect(faultSleep({})).toEqual({ micros: 0, every: 1 });
    expect(faultSleep({ MKVSS_FAULT_SLEEP_US: '1000' })).toEqual({ micros: 1000, every: 1 });
    expect(faultSleep({ MKVSS_FAULT_SLEEP_US: '1000', MKVSS_FAULT_SLEEP_EVERY: '100' })).toEqual({ micros: 1000, every: 100 });
    expect(() => faultSleep({ MKVSS_FAULT_SLEEP_US: '1ms' })).toThrow(/^MKVSS_FAULT_SLEEP_US must be a whole number/);
    expect(() => faultSleep({ MKVSS_FAULT_SLEEP_US: '10', MKVSS_FAULT_SLEEP_EVERY: '0' })).toThrow(
      /^MKVSS_FAULT_SLEEP_EVERY must be at least 1/,
    );
  });
});
