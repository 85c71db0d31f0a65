// Which CPUs the load generator and the servers get. With two CPUs or more (and taskset present)
// the driver and the server under test run on disjoint CPUs, so neither steals the other's time
// and the driver's own CPU use says whether it was the bottleneck. The driver gets about a third
// of the CPUs (at least one), one driver process per CPU; the servers get the rest.
import { spawnSync } from 'node:child_process';
import { statusField, taskStatusField, threadIds } from './proc.js';
import os from 'node:os';

export interface CpuPlan {
  pinned: boolean;
  /** One CPU per driver process when pinned; empty when not pinned. */
  driverCpus: number[];
  serverCpus: number[];
  /** Driver processes (load is split across them). */
  driverProcesses: number;
  /** Why pinning is off, when it is. */
  note?: string;
}

/** Parses a Linux CPU list ("0-3,8,10-11"). */
export function parseCpuList(list: string): number[] {
  const out: number[] = [];
  for (const part of list.trim().split(',')) {
    if (!part) continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new Error(`not a CPU list: "${list}"`);
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let c = a; c <= b; c++) out.push(c);
  }
  return out;
}

export function formatCpuList(cpus: readonly number[]): string {
  return cpus.join(',');
}

export function allowedCpus(): number[] {
  const list = statusField('self', 'Cpus_allowed_list');
  if (list) return parseCpuList(list);
  return Array.from({ length: os.availableParallelism() }, (_, i) => i);
}

let tasksetPresent: boolean | undefined;
export function hasTaskset(): boolean {
  tasksetPresent ??= spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  return tasksetPresent;
}

export function planCpus(pin: boolean, cpus: readonly number[] = allowedCpus(), taskset = hasTaskset()): CpuPlan {
  if (!pin) return { pinned: false, driverCpus: [], serverCpus: [], driverProcesses: 1, note: 'pinning off (--no-pin)' };
  if (cpus.length < 2)
    return { pinned: false, driverCpus: [], serverCpus: [], driverProcesses: 1, note: 'one CPU only: driver and server share it' };
  if (!taskset) return { pinned: false, driverCpus: [], serverCpus: [], driverProcesses: 1, note: 'taskset not found: not pinned' };
  const driverCount = Math.max(1, Math.floor(cpus.length / 3));
  return { pinned: true, driverCpus: cpus.slice(0, driverCount), serverCpus: cpus.slice(driverCount), driverProcesses: driverCount };
}

/** The command to run `command args` on `cpus` (unchanged when cpus is empty). */
export function pinnedCommand(cpus: readonly number[], command: string, args: string[]): [string, string[]] {
  return cpus.length > 0 ? ['taskset', ['-c', formatCpuList(cpus), command, ...args]] : [command, args];
}

/**
 * Where a server process runs while it starts, and from its ready line on. Start-up is never
 * measured and nothing else runs while a server starts (servers start one at a time, between
 * loads), so it starts on every CPU of the plan, the driver's idle ones too, and is then moved to
 * the servers' CPUs before any load. Why: a sync server's start (50 V8 isolates, the floor's warm
 * start and the compilation it queues) is CPU-bound, and on the one server CPU of a 2-CPU machine
 * it took 23.6 s to its ready line, on both 12.2-12.6 s (measured, two starts each): most of
 * `compare`'s sync step. Empty lists when the plan does not pin.
 */
export interface ServerPlacement {
  start: readonly number[];
  serve: readonly number[];
}

/** Wherever the OS puts it, start to end. */
export const UNPINNED: ServerPlacement = { start: [], serve: [] };

export function serverPlacement(plan: CpuPlan): ServerPlacement {
  return plan.pinned ? { start: [...plan.driverCpus, ...plan.serverCpus], serve: plan.serverCpus } : UNPINNED;
}

/** Moves a live process (all its threads) onto `cpus`; returns false if taskset failed. */
export function pinProcess(pid: number, cpus: readonly number[]): boolean {
  if (cpus.length === 0) return true;
  return spawnSync('taskset', ['-a', '-cp', formatCpuList(cpus), String(pid)], { stdio: 'ignore' }).status === 0;
}

/** The threads of `pid` whose CPU list is not `cpus` (their ids); null when /proc cannot say. */
export function threadsOffCpus(pid: number, cpus: readonly number[]): number[] | null {
  const want = formatCpuList([...cpus].sort((a, b) => a - b));
  const tids = threadIds(pid);
  if (tids === null) return null;
  return tids.filter((tid) => {
    const list = taskStatusField(pid, tid, 'Cpus_allowed_list');
    return list !== null && formatCpuList(parseCpuList(list)) !== want;
  });
}

/**
 * Moves a running server (every thread) onto `cpus` and checks that every thread is there. taskset
 * -a walks the threads one by one, so a thread started during the walk could keep the old list:
 * hence the check, and a second pass when one did.
 */
export function moveServer(pid: number, cpus: readonly number[]): boolean {
  if (cpus.length === 0) return true;
  for (let pass = 0; pass < 3; pass++) {
    if (!pinProcess(pid, cpus)) return false;
    const off = threadsOffCpus(pid, cpus);
    if (off === null || off.length === 0) return true;
  }
  return false;
}
