// compare --knee's flag checks and settings (cli/knee-flags.ts): pure, no servers.
import { describe, expect, it } from 'vitest';
import { kneeCrossCheck, kneeSettingsFrom } from '../../cli/knee-flags.js';

const ok = { concurrency: [50], workload: ['get'], servers: ['sync', 'async'], kneeStart: 1000, kneeMax: 200_000 };

describe('kneeCrossCheck', () => {
  it('accepts the defaults', () => expect(kneeCrossCheck(ok)).toBeNull());
  it('refuses what the knee cannot measure, each with the fix', () => {
    expect(kneeCrossCheck({ ...ok, rate: 5000 })).toMatch(/drop --rate/);
    expect(kneeCrossCheck({ ...ok, concurrency: [10, 50] })).toMatch(/pick one, e\.g\. -c 50/);
    expect(kneeCrossCheck({ ...ok, workload: ['get', 'put'] })).toMatch(/one workload/);
    expect(kneeCrossCheck({ ...ok, servers: ['async', 'floor'] })).toMatch(/leave floor out/);
    expect(kneeCrossCheck({ ...ok, kneeMax: 500 })).toMatch(/raise --knee-max/);
  });
});

describe('kneeSettingsFrom', () => {
  it('3 table rounds unless --rounds was given; the bound in µs', () => {
    const o = { kneeP99: 20, kneeStep: 3000, kneeStart: 500, kneeMax: 9000, rounds: 4 };
    expect(kneeSettingsFrom(o, true).rounds).toBe(3);
    const given = kneeSettingsFrom(o, false);
    expect(given.rounds).toBe(4);
    expect(given.rule).toMatchObject({ p99BoundUs: 20_000, startRate: 500, maxRate: 9000, growth: 1.5, refineSteps: 3 });
    expect(given.stepMs).toBe(3000);
  });
});
