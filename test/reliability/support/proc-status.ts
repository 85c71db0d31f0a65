// A server's memory and thread count for the reliability tests, in the KiB units
// docs/RELIABILITY.md reports, read through the harness's one /proc reader (harness/system/proc.ts).
// VmHWM is the peak resident set since the process started.
import { processStatus } from '../../../harness/system/proc.js';

export interface ProcStatus {
  /** Peak resident set size, KiB. */
  vmHwmKb: number;
  /** Current resident set size, KiB. */
  vmRssKb: number;
  /** Threads in the process (Node's own ~10 plus, for sync, one per pool thread). */
  threads: number;
}

export function readProcStatus(pid: number): ProcStatus {
  const s = processStatus(pid);
  if (s === null) throw new Error(`/proc/${pid}/status cannot be read (process gone, or not Linux)`);
  if (s.threads === 0 || s.peakRssBytes === 0) throw new Error(`/proc/${pid}/status has no VmHWM/Threads fields`);
  return { vmHwmKb: s.peakRssBytes / 1024, vmRssKb: s.rssBytes / 1024, threads: s.threads };
}

export const mib = (kb: number): number => Math.round(kb / 1024);
