// The one /proc reader (Linux): a process's CPU time and state from /proc/<pid>/stat, its memory
// and thread count from /proc/<pid>/status, and its children from /proc/<pid>/task/<tid>/children.
// The measuring sampler (proc-sampler.ts), the servers benchmark, the reliability tests and the
// cluster tests (finding a worker to kill) all read through here, so a field is parsed one way.
// Elsewhere than Linux the readers return null (or no children).
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

/** Kernel clock ticks per second (utime/stime are counted in them); 100 on every Linux seen here. */
export const CLOCK_TICKS = (() => {
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

/** The fields of /proc/<pid>/stat after "pid (comm) ", from the state (field 3) on: the command
 *  name may itself hold spaces and parentheses, so the split starts after the last ")". */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** utime + stime in seconds, from /proc/<pid>/stat (fields 14 and 15). */
export function parseStatCpuSeconds(stat: string, ticksPerSecond = CLOCK_TICKS): number {
  const fields = statFields(stat);
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** cutime + cstime in seconds (fields 16 and 17): CPU of the children this process has waited
 *  for. A driver that runs a short-lived tool (wrk) reads its CPU here once the tool has exited. */
export function parseStatChildrenCpuSeconds(stat: string, ticksPerSecond = CLOCK_TICKS): number {
  const fields = statFields(stat);
  return (Number(fields[13]) + Number(fields[14])) / ticksPerSecond;
}

/** What /proc/<pid>/status says about memory and threads (0 for a field that is missing). */
export interface ProcStatus {
  /** VmRSS: resident set now, bytes. */
  rssBytes: number;
  /** VmHWM: the peak resident set since the process started, bytes. */
  peakRssBytes: number;
  /** Threads in the process. */
  threads: number;
}

export function parseStatus(status: string): ProcStatus {
  const kib = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, 'm').exec(status);
    return m ? Number(m[1]) * 1024 : 0;
  };
  const threads = /^Threads:\s+(\d+)/m.exec(status);
  return { rssBytes: kib('VmRSS'), peakRssBytes: kib('VmHWM'), threads: threads ? Number(threads[1]) : 0 };
}

/** CPU seconds (user + system) of one live process; null once it is gone (or off Linux). */
export function cpuSeconds(pid: number): number | null {
  const stat = read(`/proc/${pid}/stat`);
  return stat === null ? null : parseStatCpuSeconds(stat);
}

/** One field of /proc/<pid>/status as text (e.g. "Cpus_allowed_list"); null when absent or unreadable. */
export function statusField(pid: number | 'self', name: string): string | null {
  return fieldOf(read(`/proc/${pid}/status`), name);
}

/** The same field of one thread: /proc/<pid>/task/<tid>/status. */
export function taskStatusField(pid: number, tid: number, name: string): string | null {
  return fieldOf(read(`/proc/${pid}/task/${tid}/status`), name);
}

function fieldOf(status: string | null, name: string): string | null {
  const m = status === null ? null : new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status);
  return m?.[1]?.trim() ?? null;
}

/** The thread ids of a live process; null once it is gone (or off Linux). */
export function threadIds(pid: number): number[] | null {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return null;
  }
}

/** Memory and threads of one live process; null once it is gone (or off Linux). */
export function processStatus(pid: number): ProcStatus | null {
  const status = read(`/proc/${pid}/status`);
  return status === null ? null : parseStatus(status);
}

/** The state letter of /proc/<pid>/stat (R running, S sleeping, Z zombie, ...); null once gone. */
export function processState(pid: number): string | null {
  const stat = read(`/proc/${pid}/stat`);
  return stat === null ? null : (statFields(stat)[0] ?? null);
}

/** The direct children of pid (of all its threads, zombies included), through
 *  /proc/<pid>/task/<tid>/children; [] once it is gone. */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of threadIds(pid) ?? []) {
    const children = read(`/proc/${pid}/task/${tid}/children`);
    if (children) for (const c of children.trim().split(/\s+/)) if (c) out.push(Number(c));
  }
  return out;
}

/** pid and all its descendants. */
export function processTree(root: number): number[] {
  const out: number[] = [];
  const queue = [root];
  for (let pid = queue.shift(); pid !== undefined && out.length < 4096; pid = queue.shift()) {
    out.push(pid);
    queue.push(...childrenOf(pid));
  }
  return out;
}

/** CPU seconds of several processes together (the ones already gone count 0). */
export function treeCpuSeconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) total += cpuSeconds(pid) ?? 0;
  return total;
}
