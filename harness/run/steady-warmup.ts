// Warm-up until steady: before a server is measured, it is loaded continuously, its CPU per
// request measured over short slices, until that stops moving (or a cap is hit), so a round
// measures the server and not how far its JIT has got.
//
// Why: a fresh Node process runs its hot path unoptimised for a while, and the sync server has
// one V8 isolate per thread, each warming up on its own share of the requests. Measured here (CPU
// per request over consecutive 2 s windows, one process): sync with 8 threads 162 -> 64 -> 62 ->
// 55 -> 46 -> 45 -> 48 µs and steady from ~8 s; with 32 threads still swinging between 100 and
// 210 µs after 20 s; async 38 -> 35 -> 34 -> 32 µs. Rounds without this measured mostly how far
// the JIT got (the gate's rounds spread by ±40-50%; sync's compare figure was off by 1.7x).
import type { ServerName, WorkloadName } from '../schema/report-schema.js';
import { median } from '../analysis/stats.js';
import type { LiveServer, LoadRequest, ServerLifecycle } from './lifecycle.js';

export interface SteadyWarmup {
  /** Length of one warm-up slice (one continuous load, measured slice by slice). */
  sliceMs: number;
  /** Three slices in a row whose CPU per request lie within this fraction of each other: steady.
   *  (Two are not enough: the JIT tiers up in steps, and two slices on one step agree.) Also
   *  steady: no longer falling by more than half of it over three slices (see `settled`). */
  tolerance: number;
  /** Give up (and say so) after this much warm-up; 0 skips the warm-up altogether. */
  maxMs: number;
  /** What the slices must agree on: the server's CPU per request (default), or req/s, for a remote
   *  target whose CPU the lab cannot see. Throughput is the weaker signal (a closed loop's req/s
   *  also moves with the network and the driver), but it does flatten as the server's JIT settles. */
  basis?: 'cpu-per-request' | 'throughput';
  /** Warm for exactly `maxMs`, whatever the slices say (whether it was steady by then is still
   *  recorded). For two servers that are compared with each other (the gate's two builds): a rule
   *  that stops each at its own first steady slice leaves one JIT further along than the other,
   *  and sync's CPU per request still falls ~1%/s a minute in (docs/SYNC.md), so the stopping
   *  rule itself would make one build look faster. The same load for both leaves that to chance
   *  alone. */
  fixed?: boolean;
}

export const DEFAULT_STEADY_WARMUP: SteadyWarmup = { sliceMs: 1000, tolerance: 0.1, maxMs: 15_000 };

export interface WarmupRecord {
  server: ServerName;
  concurrency: number;
  /** Server CPU µs per request of each slice, in order (NaN when not sampled: a remote target). */
  cpuPerRequestUs: number[];
  /** req/s of each slice, when the rule's basis is throughput. */
  throughput?: number[];
  steady: boolean;
  elapsedMs: number;
  /** The CPU per request it settled at: the median of the last three slices (when steady). */
  settledUs?: number;
  /** Throughput basis: the req/s it settled at (median of the last three slices, when steady). */
  settledRate?: number;
}

/** "Stopped falling" needs the largest of the last six slices at most this much above the smallest
 *  (1: twice it). Mixed loads need room: a WAL checkpoint lands in some 1 s slices and not others
 *  (async, mixed, quiet machine: 61, 68, 76, 45, 41, 63, 64, 44, 53 µs). */
const NOISE_CAP = 1;

/**
 * Whether the warm-up is over: either the last three slices agree within `tolerance` (relative
 * to the smallest), or (from six slices on) the figure has stopped falling: the median of the
 * last three is at most `tolerance / 2` below the median of the three before, with the last six
 * within `NOISE_CAP` of each other.
 *
 * Why the second rule: warm-up only ever makes a request cheaper, while noise moves a slice both
 * ways. On a quiet machine of this kind async's 1 s slices, long warm, still read 41, 57, 42, 44,
 * 58, 50 µs (GC and neighbours on a shared VM), so "three within 10%" failed to the cap in one
 * round of four, marking a warm server `not steady`. "Stopped falling" is what warm-up means; the
 * spread cap keeps a server whose slices swing by more than 2x from being called steady.
 */
export function settled(perRequest: readonly number[], tolerance: number): boolean {
  if (perRequest.length < 3) return false;
  const last = perRequest.slice(-3);
  if (!last.every((v) => Number.isFinite(v) && v > 0)) return false;
  if (Math.max(...last) - Math.min(...last) <= tolerance * Math.min(...last)) return true;
  if (perRequest.length < 6) return false;
  const six = perRequest.slice(-6);
  if (!six.every((v) => Number.isFinite(v) && v > 0)) return false;
  const stoppedFalling = median(last) >= (1 - tolerance / 2) * median(six.slice(0, 3));
  return stoppedFalling && Math.max(...six) <= (1 + NOISE_CAP) * Math.min(...six);
}

/** The workload a kept server warms up on: the run's most complete one (mixed covers the GET and
 *  the PUT paths), so every route measured later is warm. Never crud: see warmupWorkloadFor. */
export function warmupWorkload(workloads: readonly WorkloadName[]): WorkloadName {
  if (workloads.includes('mixed')) return 'mixed';
  return warmupWorkloadFor(workloads[0] ?? 'get');
}

/**
 * The workload a fresh server warms up on before `measured` is measured: the same one, except
 * crud. A crud load stopped mid-cycle leaves its connections' current keys behind, and the next
 * load on the same database re-creates the same keys (they are named by driver shard and
 * connection, not by load), so it would start with 409s (seen: 1.5% failures in a 1 s window).
 * mixed warms the engine, the routes, GET and PUT instead; POST and DELETE warm in the lead-in.
 */
export function warmupWorkloadFor(measured: WorkloadName): WorkloadName {
  return measured === 'crud' ? 'mixed' : measured;
}

export interface WarmupSlice {
  /** 1-based. */
  slice: number;
  cpuPerRequestUs: number;
  /** req/s of the slice. */
  throughput: number;
  elapsedMs: number;
}

/**
 * Loads `live` with ONE continuous load of up to `rule.maxMs`, cut into slices of `rule.sliceMs`
 * (the server's CPU per request measured per slice), and ends it at the first slice where
 * `settled` holds; returns what happened. `request` is the load without its duration.
 *
 * One load, not one per slice: each load spawns its driver process, builds its request lists and
 * opens its connections, which cost 2-4 s of wall time per 1 s slice on a 2-core machine, so only
 * 2-4 slices fitted in the cap and no round ever settled. The load's writes are recorded like any
 * load's (the lifecycle adds them to the rows check).
 */
export async function warmUntilSteady(
  lifecycle: ServerLifecycle,
  live: LiveServer,
  rule: SteadyWarmup,
  request: Omit<LoadRequest, 'durationMs' | 'warmupMs' | 'seed'> & { seed: number },
  onSlice: (s: WarmupSlice) => void = () => {},
  now: () => number = Date.now,
): Promise<WarmupRecord> {
  const started = now();
  const byThroughput = rule.basis === 'throughput';
  const perRequest: number[] = [];
  const rates: number[] = [];
  let steady = false;
  const slices = Math.floor(rule.maxMs / rule.sliceMs);
  if (slices > 0) {
    lifecycle.prepare(live);
    await lifecycle.load(
      live,
      // A little past the last slice's end, so the cap's last slice is counted before the driver stops by itself.
      { ...request, warmupMs: 0, durationMs: slices * rule.sliceMs + Math.min(500, rule.sliceMs / 2) },
      {},
      {
        everyMs: rule.sliceMs,
        onSlice: (s) => {
          const us = s.requests > 0 && Number.isFinite(s.serverCpuUs) ? s.serverCpuUs / s.requests : Number.POSITIVE_INFINITY;
          const rate = s.requests / (rule.sliceMs / 1000);
          perRequest.push(us);
          rates.push(rate);
          onSlice({ slice: perRequest.length, cpuPerRequestUs: us, throughput: rate, elapsedMs: now() - started });
          steady = settled(byThroughput ? rates : perRequest, rule.tolerance);
          return (steady && !rule.fixed) || perRequest.length >= slices;
        },
      },
    );
  }
  const round1 = (v: number) => Math.round(v * 10) / 10;
  return {
    server: live.server,
    concurrency: live.concurrency,
    cpuPerRequestUs: perRequest.map(round1),
    ...(byThroughput ? { throughput: rates.map(Math.round) } : {}),
    steady,
    elapsedMs: now() - started,
    ...(steady && !byThroughput ? { settledUs: round1(median(perRequest.slice(-3))) } : {}),
    ...(steady && byThroughput ? { settledRate: Math.round(median(rates.slice(-3))) } : {}),
  };
}

/** A line for the report's warnings: how a server was warmed up. */
export function describeWarmup(w: WarmupRecord, kept = true): string {
  if (w.cpuPerRequestUs.length === 0)
    return kept
      ? `${w.server} c=${w.concurrency} was not warmed up until steady (turned off): its first rounds include JIT warm-up.`
      : `${w.server} c=${w.concurrency} was not warmed up until steady (turned off): every round, a fresh process, includes its JIT warm-up.`;
  if (w.throughput) {
    const rates = `${w.throughput.join(' → ')} req/s`;
    return w.steady
      ? `${w.server} c=${w.concurrency} (remote) warmed up for ${(w.elapsedMs / 1000).toFixed(1)} s until its throughput was steady (${rates}; its CPU is not visible from here).`
      : `${w.server} c=${w.concurrency} (remote) was still not steady after ${(w.elapsedMs / 1000).toFixed(1)} s of warm-up (throughput ${rates}): its figures may include warm-up.`;
  }
  const path = w.cpuPerRequestUs.join(' → ');
  return w.steady
    ? `${w.server} c=${w.concurrency}${kept ? ' stayed up across rounds;' : ''} warmed up for ${(w.elapsedMs / 1000).toFixed(1)} s until its CPU per request was steady (${path} µs).`
    : `${w.server} c=${w.concurrency} was still not steady after ${(w.elapsedMs / 1000).toFixed(1)} s of warm-up (CPU per request ${path} µs): its figures include JIT warm-up.`;
}
