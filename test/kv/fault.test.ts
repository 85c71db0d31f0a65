// MKVSS_FAULT_DELAY_US: free when unset, a real per-request delay when set, loud when malformed.
import { describe, expect, it } from 'vitest';
import type { Handler } from '../../servers/http/types.js';
import { faultDelayMicros, withFaultInjection } from '../../servers/kv/fault.js';
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
});
