// The run's progress line and its time-left estimate. The run is a list of steps (pre-flight per
// server, then the measurements), each a list of phases (starting, warming up, measuring,
// stopping, checking rows). What is left = what is left of the current phase + the phases after
// it + every later step, each phase estimated from the same phase of earlier steps of the same
// kind (server and concurrency) once one has been seen, and from a prior before. So the estimate
// counts what really takes time (stopping 63 threads took 7-9 s; the first estimates left it out)
// and gets truer as the run goes.

export type Phase = 'starting' | 'pre-flight' | 'warming up' | 'measuring' | 'stopping' | 'checking rows';

export interface Step {
  /** Steps with the same kind take about as long, phase by phase ("sync|50"). */
  kind: string;
  phases: readonly Phase[];
  label: string;
}

export type Prior = (kind: string, phase: Phase) => number;

export class ProgressClock {
  private readonly seen = new Map<string, { totalMs: number; n: number }>();
  private index = -1;
  /** The current phase (null between phases) and the phases of this step already over. */
  private phase: Phase | null = null;
  private readonly over = new Set<Phase>();
  private since = 0;

  constructor(
    private readonly steps: readonly Step[],
    private readonly prior: Prior,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds one phase of a step of `kind` is expected to take. */
  estimate(kind: string, phase: Phase): number {
    const s = this.seen.get(`${kind}|${phase}`);
    return s ? s.totalMs / s.n : this.prior(kind, phase);
  }

  /** Enter a phase of step `index` (steps go in order; a phase a step skips is skipped, and one it
   *  did not plan is timed all the same). */
  enter(index: number, phase: Phase): void {
    const t = this.now();
    this.closePhase(t);
    if (index !== this.index) this.over.clear();
    this.index = index;
    this.phase = phase;
    this.since = t;
  }

  /** The current step is over. */
  finish(): void {
    this.closePhase(this.now());
    for (const p of this.steps[this.index]?.phases ?? []) this.over.add(p);
  }

  private closePhase(t: number): void {
    const step = this.steps[this.index];
    if (!step || this.phase === null) return;
    const key = `${step.kind}|${this.phase}`;
    const s = this.seen.get(key) ?? { totalMs: 0, n: 0 };
    this.seen.set(key, { totalMs: s.totalMs + (t - this.since), n: s.n + 1 });
    this.over.add(this.phase);
    this.phase = null;
  }

  /** Time left in the run, ms. */
  remainingMs(): number {
    const t = this.now();
    let left = 0;
    const step = this.steps[this.index];
    if (step) {
      if (this.phase !== null) left += Math.max(0, this.estimate(step.kind, this.phase) - (t - this.since));
      for (const phase of step.phases) if (phase !== this.phase && !this.over.has(phase)) left += this.estimate(step.kind, phase);
    }
    for (const later of this.steps.slice(this.index + 1)) for (const phase of later.phases) left += this.estimate(later.kind, phase);
    return left;
  }

  /** Time spent in the current phase, ms. */
  phaseElapsedMs(): number {
    return this.now() - this.since;
  }
}

export function formatSeconds(s: number): string {
  s = Math.max(0, Math.round(s));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
