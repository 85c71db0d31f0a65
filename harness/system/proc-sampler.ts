// CPU time, peak RSS and peak thread count of a process and its descendants (cluster workers),
// read from /proc (through proc.ts) while a measurement runs. Linux only; elsewhere the figures come out as NaN/0.
import { cpuSeconds, processStatus, processTree, treeCpuSeconds } from './proc.js';

export interface ProcUsage {
  /** CPU time over wall time, % of one core (can exceed 100 with several threads/processes). */
  cpuPct: number;
  peakRssBytes: number;
  peakThreads: number;
}

/** Samples a process tree between start() and stop(). CPU is the difference of the cumulative
 *  counters between the two ends (exact); RSS and threads are peaks over ~150 ms samples. */
export class ProcSampler {
  private timer: NodeJS.Timeout | null = null;
  private startedAt = 0;
  private cpuAtStart = new Map<number, number>();
  private peakRss = 0;
  private peakThreads = 0;

  constructor(
    private readonly roots: readonly number[],
    private readonly intervalMs = 150,
  ) {}

  private pids(): number[] {
    return this.roots.flatMap((r) => processTree(r));
  }

  private sample(): void {
    let rss = 0;
    let threads = 0;
    for (const pid of this.pids()) {
      const s = processStatus(pid);
      if (!s) continue;
      rss += s.rssBytes;
      threads += s.threads;
      // A process that appeared after start (a respawned worker) counts from its first sighting.
      if (!this.cpuAtStart.has(pid)) this.cpuAtStart.set(pid, treeCpuSeconds([pid]));
    }
    this.peakRss = Math.max(this.peakRss, rss);
    this.peakThreads = Math.max(this.peakThreads, threads);
  }

  start(): void {
    this.startedAt = performance.now();
    for (const pid of this.pids()) this.cpuAtStart.set(pid, treeCpuSeconds([pid]));
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  stop(): ProcUsage {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    const wallS = (performance.now() - this.startedAt) / 1000;
    let cpu = 0;
    for (const [pid, before] of this.cpuAtStart) {
      const now = cpuSeconds(pid);
      if (now !== null) cpu += now - before;
    }
    return { cpuPct: wallS > 0 ? (cpu / wallS) * 100 : Number.NaN, peakRssBytes: this.peakRss, peakThreads: this.peakThreads };
  }
}
