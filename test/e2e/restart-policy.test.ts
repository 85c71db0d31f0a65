// The cluster primary's restart rules (servers/event-loop/restart-policy.ts), without processes:
// the backoff doubles over quick deaths, a healthy life resets it, and a crash loop gives up.
import { describe, expect, it } from 'vitest';
import { RestartPolicy } from '../../servers/event-loop/restart-policy.js';

const QUICK = 500; // ms a worker lived: well under the 10 s that counts as healthy
const HEALTHY = 60_000;

describe('restart policy', () => {
  it('doubles the wait from 100 ms over quick deaths in a row, and gives up at the fifth', () => {
    const policy = new RestartPolicy();
    const decisions = Array.from({ length: 5 }, () => policy.onUnexpectedExit(QUICK));
    expect(decisions.slice(0, 4)).toEqual([100, 200, 400, 800].map((delayMs) => ({ restart: true, delayMs })));
    expect(decisions[4]).toEqual({ restart: false, reason: '5 workers in a row died within 10 s of starting' });
  });

  it('starts over after a worker that lived a healthy while', () => {
    const policy = new RestartPolicy();
    for (let i = 0; i < 4; i++) policy.onUnexpectedExit(QUICK);
    expect(policy.onUnexpectedExit(HEALTHY)).toEqual({ restart: true, delayMs: 100 });
    // The streak begins again: four more quick deaths are still restarted.
    expect([1, 2, 3, 4].map(() => policy.onUnexpectedExit(QUICK).restart)).toEqual([true, true, true, true]);
    expect(policy.onUnexpectedExit(QUICK).restart).toBe(false);
  });

  it('caps the wait', () => {
    const policy = new RestartPolicy({ initialDelayMs: 100, maxDelayMs: 1_000, stableAfterMs: 10_000, maxQuickCrashes: 100 });
    const delays = Array.from({ length: 8 }, () => {
      const d = policy.onUnexpectedExit(QUICK);
      return d.restart ? d.delayMs : -1;
    });
    expect(delays).toEqual([100, 200, 400, 800, 1000, 1000, 1000, 1000]);
  });

  it('counts a worker that lived exactly the healthy span as healthy', () => {
    const policy = new RestartPolicy();
    for (let i = 0; i < 10; i++) expect(policy.onUnexpectedExit(10_000)).toEqual({ restart: true, delayMs: 100 });
  });
});
