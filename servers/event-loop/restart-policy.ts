// When the cluster primary replaces a worker that died on its own, and when it stops trying.
// Pure bookkeeping (the caller says how long the worker lived), so the rules are tested without
// clocks or processes.

export interface RestartPolicySettings {
  /** Wait before the first replacement in a streak of quick crashes; doubles with each one. */
  initialDelayMs: number;
  /** The wait never grows past this. */
  maxDelayMs: number;
  /** A worker that lived this long was healthy: its death starts a new streak. */
  stableAfterMs: number;
  /** This many quick crashes in a row (each worker dying within stableAfterMs of its start) is a
   *  crash loop: restarting again would only burn CPU and fill the log, so the primary stops. */
  maxQuickCrashes: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicySettings> = Object.freeze({
  initialDelayMs: 100,
  maxDelayMs: 5_000,
  stableAfterMs: 10_000,
  maxQuickCrashes: 5,
});

export type RestartDecision = { restart: true; delayMs: number } | { restart: false; reason: string };

export class RestartPolicy {
  /** Quick crashes since the last worker that died after a healthy life (or since the start). */
  private quickCrashes = 0;

  constructor(private readonly settings: Readonly<RestartPolicySettings> = DEFAULT_RESTART_POLICY) {}

  /** A worker died unexpectedly after living `livedMs` (from fork to exit): restart it after
   *  the returned delay, or give up. */
  onUnexpectedExit(livedMs: number): RestartDecision {
    const s = this.settings;
    if (livedMs >= s.stableAfterMs) {
      // A healthy worker died (a one-off: a kill, an out-of-memory): replace it at once.
      this.quickCrashes = 0;
      return { restart: true, delayMs: s.initialDelayMs };
    }
    this.quickCrashes += 1;
    if (this.quickCrashes >= s.maxQuickCrashes) {
      return {
        restart: false,
        reason: `${this.quickCrashes} workers in a row died within ${s.stableAfterMs / 1000} s of starting`,
      };
    }
    return { restart: true, delayMs: Math.min(s.maxDelayMs, s.initialDelayMs * 2 ** (this.quickCrashes - 1)) };
  }
}
