import { describe, expect, it } from 'vitest';
import { schedule } from '../../../harness/run/schedule.js';

const label = (m: { round: number; server: string; concurrency: number; ceiling?: true }) =>
  `${m.round}${m.ceiling ? 'C' : m.server}${m.concurrency}`;

describe('the interleaved schedule with driver-ceiling slots', () => {
  it('gives every other round one ceiling slot at the largest concurrency, its place moving slot by slot', () => {
    const s = schedule({ servers: ['sync', 'async'], workloads: ['get'], concurrency: [10, 50], rounds: 6 }, { concurrency: 50 });
    expect(s.map(label)).toEqual([
      '1C50',
      '1sync10',
      '1async10',
      '1sync50',
      '1async50',
      '2async10',
      '2sync10',
      '2async50',
      '2sync50',
      '3sync10',
      '3async10',
      '3C50',
      '3sync50',
      '3async50',
      '4async10',
      '4sync10',
      '4async50',
      '4sync50',
      '5sync10',
      '5async10',
      '5sync50',
      '5async50',
      '5C50',
      '6async10',
      '6sync10',
      '6async50',
      '6sync50',
    ]);
    expect(s.map((m) => m.order)).toEqual(s.map((_, i) => i));
    expect(s.filter((m) => m.ceiling).every((m) => m.server === 'floor' && m.workload === 'get')).toBe(true);
  });

  it('has no ceiling slots when none is asked for', () => {
    const s = schedule({ servers: ['sync', 'async', 'floor'], workloads: ['get', 'mixed'], concurrency: [50], rounds: 3 });
    expect(s.some((m) => m.ceiling)).toBe(false);
    expect(s).toHaveLength(18);
    // Each server leads one round in three.
    expect([1, 2, 3].map((r) => s.find((m) => m.round === r)!.server)).toEqual(['sync', 'async', 'floor']);
  });
});
