// CPU time, peak RSS and peak thread count of a process and its descendants (cluster workers),
// read from /proc while a measurement runs. Linux only; elsewhere the figures come out as NaN/0.
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const CLOCK_TICKS = (() => {
  const out = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim();
  return Number(out) || 100;
})();

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/** utime + stime in seconds, from /proc/<pid>/stat (fields 14 and 15, counted after the ")"
 *  that closes the command name, which may itself contain spaces). */
export function parseStatCpuSeconds(stat: string, ticksPerSecond = CLOCK_TICKS): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** cutime + cstime in seconds (fields 16 and 17): CPU of the children this process has waited
 *  for. A driver that runs a short-lived tool (wrk) reads its CPU here once the tool has exited. */
export function parseStatChildrenCpuSeconds(stat: string, ticksPerSecond = CLOCK_TICKS): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

/** VmRSS (bytes) and Threads from /proc/<pid>/status. */
export function parseStatus(status: string): { rssBytes: number; threads: number } {
  const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  const threads = /^Threads:\s+(\d+)/m.exec(status);
  return { rssBytes: rss ? Number(rss[1]) * 1024 : 0, threads: threads ? Number(threads[1]) : 0 };
}

/** pid and all its descendants, through /proc/<pid>/task/<tid>/children. */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < 4096) {
    const pid = queue.shift()!;
    out.push(pid);
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      const children = read(`/proc/${pid}/task/${tid}/children`);
      if (children) for (const c of children.trim().split(/\s+/)) if (c) queue.push(Number(c));
    }
  }
  return out;
}

export function treeCpuSeconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    if (stat) total += parseStatCpuSeconds(stat);
  }
  return total;
}

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

  constructor(private readonly roots: readonly number[], private readonly intervalMs = 150) {}

  private pids(): number[] {
    return this.roots.flatMap((r) => processTree(r));
  }

  private sample(): void {
    let rss = 0;
    let threads = 0;
    for (const pid of this.pids()) {
      const status = read(`/proc/${pid}/status`);
      if (!status) continue;
      const s = parseStatus(status);
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
      const stat = read(`/proc/${pid}/stat`);
      if (stat) cpu += parseStatCpuSeconds(stat) - before;
    }
    return { cpuPct: wallS > 0 ? (cpu / wallS) * 100 : Number.NaN, peakRssBytes: this.peakRss, peakThreads: this.peakThreads };
  }
}
