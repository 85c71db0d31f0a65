// Which CPUs the load generator and the servers get. With two CPUs or more (and taskset present)
// the driver and the server under test run on disjoint CPUs, so neither steals the other's time
// and the driver's own CPU use says whether it was the bottleneck. The driver gets about a third
// of the CPUs (at least one), one driver process per CPU; the servers get the rest.
import { spawnSync } from 'node:child_process';
import { statusField } from './proc.js';
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

/** Moves a live process (all its threads) onto `cpus`; returns false if taskset failed. */
export function pinProcess(pid: number, cpus: readonly number[]): boolean {
  if (cpus.length === 0) return true;
  return spawnSync('taskset', ['-a', '-cp', formatCpuList(cpus), String(pid)], { stdio: 'ignore' }).status === 0;
}
