// The harness side of the load drivers: starts one driver process per driver CPU (pinned there
// when the plan pins), splits connections and rate between them, starts them together, samples
// their CPU over the measured window and merges what they counted.
import { spawn, type ChildProcess } from 'node:child_process';
import type { DriverCount, DriverMessage, DriverSpec, ParentMessage, ShardResult } from './driver-protocol.js';
import type { CpuPlan } from '../system/pinning.js';
import { pinnedCommand } from '../system/pinning.js';
import { ProcSampler } from '../system/proc-sampler.js';
import { mergeHistograms, encodeHistogram } from '../analysis/stats.js';
import { DEFAULT_DRIVER, DRIVER_SCRIPTS } from './drivers.js';
import { must } from '../must.js';

export interface LoadOutcome extends ShardResult {
  driverCpuPct: number;
  /** Driver processes used: the CPU budget the driver-bound verdict compares against. */
  driverProcesses: number;
}

export interface WindowHooks {
  onWindowStart(): void;
  onWindowEnd(): void;
}

/** One load cut into slices (the continuous warm-up, steady-warmup.ts): every `everyMs` from the
 *  window's start, the drivers' cumulative counts (summed over shards) go to `onSlice`; when it
 *  answers true, the drivers end their window now instead of at durationMs. Net driver only. */
export interface LoadSlices {
  everyMs: number;
  onSlice(count: DriverCount): boolean;
}

/** The drivers that answer 'count' and 'stop' (driver-protocol.ts). */
export function slicesSupported(spec: Pick<DriverSpec, 'mode' | 'driver'>): boolean {
  return spec.mode === 'closed' && (spec.driver ?? DEFAULT_DRIVER) === 'net';
}

/** Splits n into k near-equal whole parts (the first ones get the remainder). */
export function splitEvenly(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(n / k) + (i < n % k ? 1 : 0));
}

/** Open loop: responses per second the server gave inside the window (answers received by its
 *  end; see ShardResult.responsesByWindowEnd). compare's rows and the knee's steps both use it. */
export function achievedRate(load: Pick<ShardResult, 'responses' | 'responsesByWindowEnd' | 'windowMs'>): number {
  const windowS = load.windowMs / 1000;
  return windowS > 0 ? (load.responsesByWindowEnd ?? load.responses) / windowS : 0;
}

export function mergeShardResults(parts: readonly ShardResult[]): ShardResult {
  const sumRecord = (pick: (r: ShardResult) => Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const p of parts) for (const [k, v] of Object.entries(pick(p))) out[k] = (out[k] ?? 0) + v;
    return out;
  };
  const sum = (pick: (r: ShardResult) => number) => parts.reduce((a, p) => a + pick(p), 0);
  return {
    requests: sum((p) => p.requests),
    responses: sum((p) => p.responses),
    responsesByWindowEnd: sum((p) => p.responsesByWindowEnd ?? p.responses),
    expected: sum((p) => p.expected),
    unexpectedStatus: sumRecord((p) => p.unexpectedStatus),
    timeouts: sum((p) => p.timeouts),
    connectionErrors: sum((p) => p.connectionErrors),
    other: sumRecord((p) => p.other),
    creates: sum((p) => p.creates),
    deletes: sum((p) => p.deletes),
    writesAcknowledged: sum((p) => p.writesAcknowledged),
    histogram:
      parts.length === 1 ? must(parts[0], 'the one part').histogram : encodeHistogram(mergeHistograms(parts.map((p) => p.histogram))),
    latencySumUs: sum((p) => p.latencySumUs),
    latencyCount: sum((p) => p.latencyCount),
    // Shards run side by side: the window is theirs in common (the longest, to be conservative on rates).
    windowMs: Math.max(...parts.map((p) => p.windowMs)),
    netCreates: sum((p) => p.netCreates),
    uncertainCreates: sum((p) => p.uncertainCreates),
    uncertainDeletes: sum((p) => p.uncertainDeletes),
    // The driver's lag: the worst shard's (one shard falling behind spoils the merged figures).
    loopDelayP99Us: Math.max(...parts.map((p) => p.loopDelayP99Us)),
    loopDelayMaxUs: Math.max(...parts.map((p) => p.loopDelayMaxUs)),
    sendLagP99Us: parts.some((p) => p.sendLagP99Us !== null) ? Math.max(...parts.map((p) => p.sendLagP99Us ?? 0)) : null,
  };
}

export async function runLoad(
  spec: Omit<DriverSpec, 'shard'>,
  plan: CpuPlan,
  hooks: WindowHooks,
  slices?: LoadSlices,
): Promise<LoadOutcome> {
  if (slices && !slicesSupported(spec))
    throw new Error(`a load in slices needs the net closed-loop driver (got ${spec.mode === 'open' ? 'the open loop' : spec.driver})`);
  // No more processes than connections; each gets its own CPU when pinned.
  const processes = Math.max(1, Math.min(plan.driverProcesses, spec.connections));
  const connections = splitEvenly(spec.connections, processes);
  const rates = spec.rate === undefined ? null : connections.map((c) => (spec.rate! * c) / spec.connections);
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  try {
    const shards = connections.map((conns, shard) => {
      const cpus = plan.pinned
        ? [must(plan.driverCpus[shard % plan.driverCpus.length], 'a driver CPU (a pinned plan has at least one)')]
        : [];
      const [cmd, args] = pinnedCommand(cpus, process.execPath, [
        DRIVER_SCRIPTS[spec.mode === 'open' ? 'open' : (spec.driver ?? DEFAULT_DRIVER)],
      ]);
      const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
      children.push(child);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-2000)));
      const shardSpec: DriverSpec = {
        ...spec,
        connections: conns,
        shard,
        ...(rates ? { rate: must(rates[shard], 'a rate per shard') } : {}),
      };
      const waiters = new Map<DriverMessage['type'], Array<(m: DriverMessage) => void>>();
      let failure: Error | null = null;
      const failWaiters: Array<(e: Error) => void> = [];
      child.on('message', (m: DriverMessage) => {
        if (m.type === 'error') failure = new Error(`load driver failed: ${m.message}`);
        // Each waiter hears one message ('count' comes many times).
        const ws = waiters.get(m.type) ?? [];
        waiters.delete(m.type);
        for (const w of ws) w(m);
        if (failure) for (const f of failWaiters) f(failure);
      });
      child.on('exit', (code, signal) => {
        failure ??= new Error(
          `load driver exited early (${signal ?? `code ${code}`})${stderr ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`,
        );
        for (const f of failWaiters) f(failure);
      });
      const next = <T extends DriverMessage['type']>(type: T) => {
        const p = new Promise<Extract<DriverMessage, { type: T }>>((resolve, reject) => {
          if (failure) return reject(failure);
          waiters.set(type, [...(waiters.get(type) ?? []), resolve as (m: DriverMessage) => void]);
          failWaiters.push(reject);
        });
        // Some of these are awaited only later (or never, once another failed): no unhandled rejection.
        p.catch(() => {});
        return p;
      };
      // A driver that cannot be spawned, or whose channel breaks, fails the load like an early exit.
      child.on('error', (err) => {
        failure ??= new Error(`load driver failed: ${err.message}`);
        for (const f of failWaiters) f(failure);
      });
      const post = (m: ParentMessage) => sendToDriver(child, m);
      return { child, shardSpec, next, post };
    });

    const built = shards.map((s) => s.next('built'));
    for (const s of shards) s.post({ type: 'spec', spec: s.shardSpec });
    await Promise.all(built);

    const sampler = new ProcSampler(children.map((c) => c.pid!));
    const measuring = shards.map((s) => s.next('measuring'));
    const windowEnd = shards.map((s) => s.next('window-end'));
    const done = shards.map((s) => s.next('done'));
    for (const s of shards) s.post({ type: 'go' });
    // The window opens when the first shard says so; the samplers start there.
    await Promise.race(measuring);
    sampler.start();
    hooks.onWindowStart();
    const sliced = slices ? cutIntoSlices(shards, slices, Promise.race(windowEnd)) : Promise.resolve();
    await Promise.race(windowEnd);
    const usage = sampler.stop();
    hooks.onWindowEnd();
    const ends = await Promise.all(windowEnd);
    const results = (await Promise.all(done)).map((m) => m.result);
    await sliced;
    // A driver that measured its own CPU (its load ran in a process that is gone by now) says so.
    const own = ends.map((e) => e.driverCpuPct);
    const driverCpuPct = own.every((x) => x !== undefined) ? own.reduce((a: number, b) => a + b!, 0) : usage.cpuPct;
    return { ...mergeShardResults(results), driverCpuPct, driverProcesses: processes };
  } finally {
    // Drivers exit by themselves after 'done'; make sure none outlives a failure.
    setTimeout(killAll, 1000).unref();
    if (children.some((c) => c.exitCode === null))
      await Promise.race([
        Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once('exit', r)) : null))),
        new Promise((r) => setTimeout(r, 1000)),
      ]);
    killAll();
  }
}

/** What sendToDriver needs of a driver's ChildProcess. */
export interface DriverChannel {
  readonly connected: boolean;
  send(message: ParentMessage, callback: (error: Error | null) => void): boolean;
}

/**
 * Sends `m` to a driver process if it is still connected. A driver can exit between the
 * `connected` check and the write (its window ended, or it was told to stop, while a slice
 * boundary asked for counts): the write then fails with EPIPE, and a send without a callback
 * reports that as an 'error' event on the child, which crashed a gate run here. A driver gone too
 * early is reported by its 'exit' handler (runLoad), so the failed write itself is dropped.
 */
export function sendToDriver(child: DriverChannel, m: ParentMessage): void {
  if (child.connected) child.send(m, ignoreSendError);
}

const ignoreSendError = () => {};

interface CountingShard {
  next(type: 'count'): Promise<Extract<DriverMessage, { type: 'count' }>>;
  post(m: ParentMessage): void;
}

/** The slice loop of a load in slices: at each boundary (on a fixed schedule from the window's
 *  start, so slices do not drift by the time a count takes) asks every shard for its counts, and
 *  tells them all to stop when `onSlice` says so. Ends quietly with the window. */
async function cutIntoSlices(shards: readonly CountingShard[], slices: LoadSlices, windowEnd: Promise<unknown>): Promise<void> {
  let ended = false;
  const end = windowEnd.then(
    () => (ended = true),
    () => (ended = true),
  );
  const over = () => ended;
  const start = performance.now();
  for (let k = 1; !over(); k++) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([end, new Promise((r) => (timer = setTimeout(r, Math.max(0, start + k * slices.everyMs - performance.now()))))]);
    clearTimeout(timer);
    if (over()) return;
    const asked = shards.map((s) => s.next('count'));
    for (const s of shards) s.post({ type: 'count' });
    let counts: DriverCount[];
    try {
      counts = await Promise.all(asked);
    } catch {
      return; // a shard ended meanwhile: the window is over, or the load failed (runLoad reports that)
    }
    if (over()) return;
    const sum = { requests: counts.reduce((a, c) => a + c.requests, 0), responses: counts.reduce((a, c) => a + c.responses, 0) };
    if (slices.onSlice(sum)) {
      for (const s of shards) s.post({ type: 'stop' });
      return;
    }
  }
}
