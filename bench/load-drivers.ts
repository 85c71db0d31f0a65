// Load drivers for the servers benchmark: wrk (preferred: a C load generator that out-runs every
// server here) or, when wrk is missing, autocannon in a child process. Each runs pinned to its
// own CPU and reports throughput, p99 latency, failures, and its own CPU use read from
// /proc/<pid>/stat (so a saturated driver shows up instead of passing for a slow server).
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export type Workload = 'get' | 'mix';
export type DriverName = 'wrk' | 'autocannon';

export interface LoadSpec {
  port: number;
  workload: Workload;
  connections: number;
  durationS: number;
  /** Keys k0..k{keyCount-1} exist (seeded); requests pick among them at random. */
  keyCount: number;
  valueBytes: number;
  /** CPU list for taskset, e.g. "0"; null when not pinning. */
  cpu: string | null;
}

export interface LoadResult {
  driver: DriverName;
  requestsPerS: number;
  p99Ms: number;
  /** Socket errors, timeouts and non-2xx answers together; a clean run has 0. */
  failures: number;
  /** The driver's CPU time over wall time while it ran, in % of one core. */
  driverCpuPercent: number;
}

export function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' }).status === 0;
}

export const TASKSET = hasCommand('taskset');

export function pinned(cpu: string | null, command: string, args: string[]): [string, string[]] {
  return cpu !== null && TASKSET ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
}

/** CPU seconds (user + system) of a live process, from /proc/<pid>/stat; null once it is gone. */
export function processCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the ")" that closes the command name: utime is field 14, stime 15 (1-based).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** Runs a child to completion while sampling its CPU time; returns its stdout and CPU %.
 *  The % is taken between the first and the last sample, so both ends of the window match. */
async function runSampled(command: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number | null; cpuPercent: number }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  let first: [number, number] | null = null;
  let last: [number, number] | null = null;
  const sample = () => {
    const cpu = processCpuSeconds(child.pid!);
    if (cpu === null) return;
    const at: [number, number] = [performance.now(), cpu];
    first ??= at;
    last = at;
  };
  const sampler = setInterval(sample, 100);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  const cpuPercent =
    first !== null && last !== null && last[0] > first[0] ? ((last[1] - first[1]) / ((last[0] - first[0]) / 1000)) * 100 : NaN;
  return { stdout, stderr, code, cpuPercent };
}

// ---------------------------------------------------------------------------------------------
// wrk

function wrkScript(spec: LoadSpec): string {
  // Random preloaded keys per request; the mix sends 10% PUTs of a fixed-size value.
  return `
math.randomseed(${Date.now() % 1_000_000})
local keys = ${spec.keyCount}
local putShare = ${spec.workload === 'mix' ? 0.1 : 0}
local value = string.rep("v", ${spec.valueBytes})
request = function()
  local path = "/keys/k" .. math.random(0, keys - 1)
  if putShare > 0 and math.random() < putShare then
    return wrk.format("PUT", path, nil, value)
  end
  return wrk.format("GET", path)
end
`;
}

/** "1.23ms" / "850.00us" / "1.02s" -> ms */
function wrkDurationMs(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

export async function runWrk(spec: LoadSpec, tempDir: string): Promise<LoadResult> {
  const script = path.join(tempDir, `bench-${spec.workload}.lua`);
  writeFileSync(script, wrkScript(spec));
  const [cmd, args] = pinned(spec.cpu, 'wrk', [
    '-t1',
    `-c${spec.connections}`,
    `-d${spec.durationS}s`,
    '--latency',
    '-s',
    script,
    `http://127.0.0.1:${spec.port}`,
  ]);
  const run = await runSampled(cmd, args);
  if (run.code !== 0) throw new Error(`wrk failed (exit ${run.code}): ${run.stderr.trim() || run.stdout.trim()}`);
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(run.stdout);
  const p99 = /^\s+99%\s+(\S+)/m.exec(run.stdout);
  if (!rps || !p99) throw new Error(`could not read wrk's output:\n${run.stdout}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(run.stdout)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(run.stdout);
  const socketErrors = sock ? sock.slice(1).reduce((n, s) => n + Number(s), 0) : 0;
  return {
    driver: 'wrk',
    requestsPerS: Number(rps[1]),
    p99Ms: wrkDurationMs(p99[1]!),
    failures: non2xx + socketErrors,
    driverCpuPercent: run.cpuPercent,
  };
}

// ---------------------------------------------------------------------------------------------
// autocannon (fallback), in its own pinned process so that it has a pid and a CPU of its own

export async function runAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const child = fileURLToPath(new URL('./autocannon-child.js', import.meta.url));
  const [cmd, args] = pinned(spec.cpu, process.execPath, [child, JSON.stringify(spec)]);
  const run = await runSampled(cmd, args);
  if (run.code !== 0) throw new Error(`autocannon run failed (exit ${run.code}): ${run.stderr.trim()}`);
  const out = JSON.parse(run.stdout) as Omit<LoadResult, 'driver' | 'driverCpuPercent'>;
  return { driver: 'autocannon', ...out, driverCpuPercent: run.cpuPercent };
}

export const AVAILABLE_DRIVER: DriverName = hasCommand('wrk') ? 'wrk' : 'autocannon';

export function cpuCount(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}
