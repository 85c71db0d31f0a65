// Reading a server's memory and thread count from /proc/<pid>/status (Linux only): VmHWM is the
// peak resident set since the process started, the figure docs/RELIABILITY.md reports.
import { readFileSync } from 'node:fs';

export interface ProcStatus {
  /** Peak resident set size, KiB. */
  vmHwmKb: number;
  /** Current resident set size, KiB. */
  vmRssKb: number;
  /** Threads in the process (Node's own ~10 plus, for sync, one per pool thread). */
  threads: number;
}

export function readProcStatus(pid: number): ProcStatus {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    if (!m) throw new Error(`/proc/${pid}/status has no ${name} field`);
    return Number(m[1]);
  };
  return { vmHwmKb: field('VmHWM'), vmRssKb: field('VmRSS'), threads: field('Threads') };
}

export const mib = (kb: number): number => Math.round(kb / 1024);
