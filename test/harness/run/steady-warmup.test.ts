// The continuous warm-up (warmUntilSteady) on the fake lifecycle: one load cut into slices, ended
// at the first slice where the CPU per request is steady, or at the cap; its writes counted.
import { describe, expect, it } from 'vitest';
import { FakeServers, type FakeModel } from '../../../harness/run/fake-servers.js';
import { settled, warmUntilSteady } from '../../../harness/run/steady-warmup.js';

const rule = { sliceMs: 1000, tolerance: 0.1, maxMs: 8000 };
const request = {
  mode: 'closed' as const,
  driver: 'net' as const,
  workload: 'get' as const,
  connections: 50,
  pipelining: 1,
  keys: 100,
  valueSize: 64,
  seed: 1,
  timeoutMs: 1000,
};

describe('warm-up until steady, one continuous load', () => {
  it('is one load, ended at the first slice where the last three agree', async () => {
    const settles: FakeModel = (_s, i) => ({ throughput: 10_000, cpuPerRequestUs: [300, 200, 150, 100, 104, 98, 500][i] ?? 500 });
    const fake = new FakeServers(settles, rule);
    const live = await fake.acquire('sync', 50);
    const seen: number[] = [];
    const w = await warmUntilSteady(
      fake,
      live,
      rule,
      request,
      (s) => seen.push(s.slice),
      () => fake.clock,
    );
    expect(fake.calls.filter((c) => c.startsWith('load'))).toEqual(['load sync get 6×1000ms']);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    expect(w).toEqual({
      server: 'sync',
      concurrency: 50,
      cpuPerRequestUs: [300, 200, 150, 100, 104, 98],
      steady: true,
      elapsedMs: 6000,
      settledUs: 100,
    });
  });

  it('runs to the cap and says not steady when the slices never agree', async () => {
    const jumpy: FakeModel = (_s, i) => ({ throughput: 10_000, cpuPerRequestUs: i % 2 ? 100 : 200 });
    const fake = new FakeServers(jumpy, rule);
    const live = await fake.acquire('sync', 50);
    const w = await warmUntilSteady(
      fake,
      live,
      { ...rule, maxMs: 5000 },
      request,
      () => {},
      () => fake.clock,
    );
    expect(fake.calls.filter((c) => c.startsWith('load'))).toEqual(['load sync get 5×1000ms']);
    expect(w.cpuPerRequestUs).toEqual([200, 100, 200, 100, 200]);
    expect(w.steady).toBe(false);
    expect(w.settledUs).toBeUndefined();
    expect(w.elapsedMs).toBe(5000);
  });

  it('measures a slice without requests as infinitely expensive, never steady', async () => {
    const dead: FakeModel = () => ({ throughput: 0, cpuPerRequestUs: 50 });
    const fake = new FakeServers(dead, rule);
    const w = await warmUntilSteady(
      fake,
      await fake.acquire('async', 50),
      { ...rule, maxMs: 3000 },
      request,
      () => {},
      () => fake.clock,
    );
    expect(w.cpuPerRequestUs).toEqual([Infinity, Infinity, Infinity]);
    expect(w.steady).toBe(false);
  });

  it('puts no load at all when the warm-up is turned off', async () => {
    const fake = new FakeServers(() => ({ throughput: 1000, cpuPerRequestUs: 50 }), rule);
    const w = await warmUntilSteady(
      fake,
      await fake.acquire('async', 50),
      { ...rule, maxMs: 0 },
      request,
      () => {},
      () => fake.clock,
    );
    expect(fake.calls.filter((c) => c.startsWith('load'))).toEqual([]);
    expect(w).toMatchObject({ cpuPerRequestUs: [], steady: false, elapsedMs: 0 });
  });

  it("records the warm-up load's writes for the rows check, and the measurement continues the model after the last slice", async () => {
    // 7 acknowledged creates per warm-up slice and per measurement; steady from the third slice.
    const writes: FakeModel = (_s, i) => ({ throughput: 1000, cpuPerRequestUs: i < 3 ? 40 : 80, netCreates: 7 });
    const fake = new FakeServers(writes, rule);
    const live = await fake.acquire('async', 50);
    const w = await warmUntilSteady(
      fake,
      live,
      rule,
      request,
      () => {},
      () => fake.clock,
    );
    expect(w.cpuPerRequestUs).toEqual([40, 40, 40]);
    const measured = await fake.load(live, { ...request, warmupMs: 0, durationMs: 5000 });
    // The fourth model load: the warm-up used three.
    expect(measured.server.cpuPct).toBeCloseTo((80 * 1000) / 1e4);
    expect(await fake.release(live)).toMatchObject({ expectedRows: 100 + 3 * 7 + 7, ok: true });
  });
});

describe('when a warm-up counts as steady (settled)', () => {
  it('three slices within the tolerance are steady at once', () => {
    expect(settled([300, 200, 100, 104, 98], 0.1)).toBe(true);
    expect(settled([100, 104], 0.1)).toBe(false);
  });

  it('a noisy series that has stopped falling is steady from six slices on', () => {
    // async on a quiet machine, long warm: never three in a row within 10%.
    const flat = [41, 57, 42, 44, 58, 50];
    expect(settled(flat.slice(0, 5), 0.1)).toBe(false);
    expect(settled(flat, 0.1)).toBe(true);
  });

  it('a series still falling is not steady, however noisy', () => {
    // Medians 200 then 150: falling by 25% over three slices.
    expect(settled([200, 230, 190, 150, 170, 135], 0.1)).toBe(false);
  });

  it('slices that swing by more than 2x are never called steady', () => {
    expect(settled([100, 250, 100, 250, 100, 250, 100], 0.1)).toBe(false);
  });

  it("a mixed load's checkpoint spikes do not keep it from settling once it stops falling", () => {
    const mixed = [111, 61.5, 68.3, 76.4, 45, 40.7, 63.3, 64.4, 44.3];
    expect(mixed.map((_, i) => settled(mixed.slice(0, i + 1), 0.1))).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
  });
});
