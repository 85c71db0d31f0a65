import { describe, expect, it } from 'vitest';
import { formatSeconds, ProgressClock, type Step } from '../../../harness/run/progress-clock.js';

describe('the progress estimate', () => {
  const steps: Step[] = [
    { kind: 'sync|50', phases: ['starting', 'measuring', 'stopping'], label: 'a' },
    { kind: 'async|50', phases: ['starting', 'measuring', 'stopping'], label: 'b' },
    { kind: 'sync|50', phases: ['starting', 'measuring', 'stopping'], label: 'c' },
  ];
  const prior = (_kind: string, phase: string) => (phase === 'measuring' ? 5000 : 1000);

  it('counts every phase left, stopping included, and learns each phase length from the steps before', () => {
    let t = 0;
    const clock = new ProgressClock(steps, prior, () => t);
    clock.enter(0, 'starting');
    expect(clock.remainingMs()).toBe(3 * 7000);
    t = 3000; // sync took 3 s to start, not 1
    clock.enter(0, 'measuring');
    expect(clock.remainingMs()).toBe(5000 + 1000 + 7000 + (3000 + 5000 + 1000));
    t = 8000;
    clock.enter(0, 'stopping');
    t = 16_000; // and 8 s to stop: the estimate past its prior stays at zero for this phase
    expect(clock.remainingMs()).toBe(0 + 7000 + (3000 + 5000 + 1000));
    clock.finish();
    // The third step is sync again: its stop is now estimated at the 8 s measured.
    expect(clock.remainingMs()).toBe(7000 + 3000 + 5000 + 8000);
    clock.enter(1, 'starting');
    t = 16_500;
    expect(clock.remainingMs()).toBe(500 + 5000 + 1000 + 3000 + 5000 + 8000);
  });

  it('formats seconds as the line shows them', () => {
    expect(formatSeconds(59.4)).toBe('59s');
    expect(formatSeconds(102)).toBe('1m42s');
    expect(formatSeconds(-3)).toBe('0s');
  });
});
