// What the two real server lifecycles (fresh-servers.ts, warm-servers.ts) share: starting a server
// process for a measurement at some concurrency, and putting one load on it with the server's
// CPU, RSS and threads sampled over the measured window.
import type { ServerName } from '../schema/report-schema.js';
import type { CompareSettings } from './settings.js';
import { serverPlacement, type CpuPlan } from '../system/pinning.js';
import { ProcSampler, type ProcUsage } from '../system/proc-sampler.js';
import { runLoad, type WindowHooks } from '../load/run-load.js';
import { killServer, serverFlags, startServer, stopServer, type RunningChild } from './server-process.js';
import { rmSync } from 'node:fs';
import type { LoadRequest, LoadResult, SlicedLoad } from './lifecycle.js';
import { processTree, treeCpuSeconds } from '../system/proc.js';
import type { WriteLedger } from '../analysis/verdict.js';

/**
 * How long a server started for a load of `concurrency` connections may take to print its ready
 * line. Starting hundreds of sync threads takes a while (an isolate and a SQLite connection each,
 * ~165 ms of CPU, plus the floor's warm start, at most 24 s of CPU in all: 50 threads were ready
 * after 16.0-16.3 s on two CPUs): 200 ms per thread on top of the usual start-up allowance.
 */
export function readyTimeoutFor(server: ServerName, concurrency: number): number {
  return 30_000 + (server === 'sync' ? concurrency * 200 : 0);
}

export async function startForLoad(
  server: ServerName,
  db: string,
  concurrency: number,
  settings: CompareSettings,
  plan: CpuPlan,
  cli?: string,
): Promise<RunningChild> {
  return startServer(
    server,
    db,
    serverPlacement(plan),
    settings.serverEnv?.[server] ?? {},
    readyTimeoutFor(server, concurrency),
    serverFlags(server, concurrency, settings.syncPrewarm !== false),
    cli,
  );
}

/** Server CPU seconds so far, all its processes and threads (NaN off Linux). */
function serverCpuSeconds(pid: number): number {
  const pids = processTree(pid);
  return pids.length === 0 ? Number.NaN : treeCpuSeconds(pids);
}

export async function loadWithSampling(
  running: RunningChild,
  request: LoadRequest,
  plan: CpuPlan,
  hooks: Partial<WindowHooks> = {},
  slices?: SlicedLoad,
  host = '127.0.0.1',
): Promise<LoadResult> {
  const sampler = new ProcSampler([running.pid]);
  let server: ProcUsage = { cpuPct: Number.NaN, peakRssBytes: 0, peakThreads: 0 };
  // A slice's server CPU: the difference of the server's cumulative CPU counters between the
  // slice's two ends, read when the driver's counts for that boundary arrive.
  let last = { cpuSeconds: Number.NaN, requests: 0, at: 0 };
  let windowStart = 0;
  const load = await runLoad(
    { ...request, host, port: running.port, cannedOk: running.server === 'floor' },
    plan,
    {
      onWindowStart: () => {
        windowStart = performance.now();
        last = { cpuSeconds: serverCpuSeconds(running.pid), requests: 0, at: windowStart };
        sampler.start();
        hooks.onWindowStart?.();
      },
      onWindowEnd: () => {
        server = sampler.stop();
        hooks.onWindowEnd?.();
      },
    },
    slices && {
      everyMs: slices.everyMs,
      onSlice: (count) => {
        const now = { cpuSeconds: serverCpuSeconds(running.pid), requests: count.requests, at: performance.now() };
        const slice = {
          requests: now.requests - last.requests,
          serverCpuUs: (now.cpuSeconds - last.cpuSeconds) * 1e6,
          elapsedMs: now.at - windowStart,
        };
        last = now;
        return slices.onSlice(slice);
      },
    },
  );
  return { load, server };
}

export function emptyLedger(): WriteLedger {
  return { netCreates: 0, uncertainCreates: 0, uncertainDeletes: 0 };
}

/** Adds one load's writes (warm-up included: the whole load, not only its window) to a ledger. */
export function addWrites(ledger: WriteLedger, load: WriteLedger): void {
  ledger.netCreates += load.netCreates;
  ledger.uncertainCreates += load.uncertainCreates;
  ledger.uncertainDeletes += load.uncertainDeletes;
}

/** After a signal: SIGKILL every server at once and remove their scratch folder. */
export function killAll(running: readonly RunningChild[], scratch: string): void {
  for (const r of running) killServer(r);
  rmSync(scratch, { recursive: true, force: true });
}

/** Stops every server (each must exit 0 on SIGTERM), then removes their scratch folder; a server
 *  that did not stop is killed on the way out. */
export async function stopAll(running: readonly RunningChild[], scratch: string): Promise<void> {
  try {
    for (const r of running) await stopServer(r);
  } finally {
    killAll(running, scratch);
  }
}
