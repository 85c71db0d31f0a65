// Servers that stay up across rounds, each warmed up until it is steady (the gate's mode).
//
// `compare` starts a fresh server for every measurement, so each one is measured the same way
// from a clean state. The price is the JIT: a fresh Node process runs its hot path unoptimised for
// a while, and the sync server has one V8 isolate per thread, each warming up on its own share of
// the requests. Measured here (CPU per request over consecutive 2 s windows, one process): sync
// with 8 threads 162 -> 64 -> 62 -> 55 -> 46 -> 45 -> 48 µs and steady from ~8 s; with 32 threads
// still swinging between 100 and 210 µs after 20 s; async 38 -> 35 -> 34 -> 32 µs. Short fresh
// rounds therefore measure mostly *how far the JIT got*, which spread the gate's rounds by ±40-50%.
//
// Here each (server, concurrency) is started once, loaded in slices until three slices in a row
// agree on the server's CPU per request (or a cap is reached), and then measured round after
// round. The database lives as long as the server, so the rows check is cumulative: preloaded
// keys + every acknowledged create - every acknowledged delete since the start, warm-up included;
// its WAL is emptied before every measurement, so each starts from the state a fresh copy has.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countRowsReadOnly, seedDatabase, truncateWal } from '../../servers/kv/index.js';
import type { Preflight, ServerName, WorkloadName } from '../schema/report-schema.js';
import type { CompareSettings } from './settings.js';
import type { CpuPlan } from '../system/pinning.js';
import { ProcSampler } from '../system/proc-sampler.js';
import { runLoad, type LoadOutcome } from '../load/run-load.js';
import { serverFlags, startServer, stopServer, killServer, type RunningChild } from './server-process.js';
import { preloadKey } from '../load/workloads.js';
import { cpuMicrosPerRequest } from '../analysis/stats.js';
import { checkRows, type WriteLedger } from '../analysis/verdict.js';

export interface SteadyWarmup {
  /** Length of one warm-up slice. */
  sliceMs: number;
  /** Three slices in a row whose CPU per request lie within this fraction of each other: steady.
   *  (Two are not enough: the JIT tiers up in steps, and two slices on one step agree.) */
  tolerance: number;
  /** Give up (and say so) after this much warm-up load; 0 skips the warm-up altogether. */
  maxMs: number;
}

export const DEFAULT_STEADY_WARMUP: SteadyWarmup = { sliceMs: 1000, tolerance: 0.1, maxMs: 15_000 };

export interface WarmupRecord {
  server: ServerName;
  concurrency: number;
  /** Server CPU µs per request of each slice, in order. */
  cpuPerRequestUs: number[];
  steady: boolean;
  elapsedMs: number;
}

export interface LiveServer {
  running: RunningChild;
  /** Its database; null for the floor (no database). */
  db: string | null;
  ledger: WriteLedger;
}

export class WarmServers {
  private readonly scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-warm-'));
  private readonly template = path.join(this.scratch, 'preloaded.db');
  private seeded = false;
  private readonly live = new Map<string, LiveServer>();
  readonly warmups: WarmupRecord[] = [];
  /** Pre-flight results of the first comparison (servers are checked once per gate run). */
  preflight?: Preflight[];

  constructor(
    private readonly settings: CompareSettings,
    private readonly plan: CpuPlan,
    private readonly warmup: SteadyWarmup = DEFAULT_STEADY_WARMUP,
    private readonly progress: (line: string) => void = () => {},
    /** The `mkvss-lab` CLI whose servers these are (another build's, for an A/B gate). */
    private readonly cli?: string,
    /** Added to progress lines ("base"), to tell two pools apart. */
    readonly label = '',
  ) {}

  /** The live server for (server, concurrency): started and warmed up on first use. */
  async get(server: ServerName, concurrency: number): Promise<LiveServer> {
    const key = `${server}|${concurrency}`;
    const existing = this.live.get(key);
    if (existing) return existing;
    let db: string | null = null;
    if (server !== 'floor') {
      if (!this.seeded) {
        seedDatabase(this.template, this.settings.keys, this.settings.valueSize, preloadKey);
        this.seeded = true;
      }
      db = path.join(this.scratch, `${server}-c${concurrency}.db`);
      copyFileSync(this.template, db);
    }
    const readyTimeoutMs = 30_000 + (server === 'sync' ? concurrency * 200 : 0);
    const running = await startServer(server, db ?? path.join(this.scratch, 'unused.db'), this.plan.serverCpus, this.settings.serverEnv?.[server] ?? {}, readyTimeoutMs, serverFlags(server, concurrency), this.cli);
    const entry: LiveServer = { running, db, ledger: { netCreates: 0, uncertainCreates: 0, uncertainDeletes: 0 } };
    this.live.set(key, entry);
    await this.warmUp(entry, server, concurrency);
    return entry;
  }

  /**
   * Before a measurement: the server's (idle) database back to an empty WAL, so every measurement
   * starts from the state a fresh copy has. Why: a read costs more with a fuller WAL (measured
   * here, one connection, interleaved: 9.5 -> 10.3 µs per read with 900 updates in the WAL,
   * 9.3 -> 10.8 µs with 3,000), and a mixed workload fills it at its own pace, so a server kept up
   * across rounds would otherwise start each round from a different WAL.
   */
  prepare(entry: LiveServer): void {
    if (entry.db !== null) truncateWal(entry.db);
  }

  /** Adds one load's writes to the server's ledger. */
  record(entry: LiveServer, load: LoadOutcome): void {
    entry.ledger.netCreates += load.netCreates;
    entry.ledger.uncertainCreates += load.uncertainCreates;
    entry.ledger.uncertainDeletes += load.uncertainDeletes;
  }

  /** The cumulative rows check of a live server (null for the floor). */
  rowsCheck(entry: LiveServer): { expectedRows: number; actualRows: number; ok: boolean } | null {
    if (entry.db === null) return null;
    return checkRows(this.settings.keys, entry.ledger, countRowsReadOnly(entry.db));
  }

  /**
   * Load in slices until the server's CPU per request settles. The workload is the run's most
   * complete one (mixed covers the GET and the PUT paths), so every route measured later is warm.
   */
  private async warmUp(entry: LiveServer, server: ServerName, concurrency: number): Promise<void> {
    const workload = warmupWorkload(this.settings.workloads);
    const started = Date.now();
    if (this.warmup.maxMs <= 0) {
      this.warmups.push({ server, concurrency, cpuPerRequestUs: [], steady: false, elapsedMs: 0 });
      return;
    }
    const perRequest: number[] = [];
    let steady = false;
    while (Date.now() - started < this.warmup.maxMs) {
      // Each slice from an empty WAL too, so the slices differ only in how warm the server is.
      this.prepare(entry);
      const sampler = new ProcSampler([entry.running.pid]);
      let cpuPct = Number.NaN;
      const load = await runLoad(
        {
          mode: 'closed',
          host: '127.0.0.1',
          port: entry.running.port,
          workload,
          connections: concurrency,
          pipelining: this.settings.pipelining,
          warmupMs: 0,
          durationMs: this.warmup.sliceMs,
          keys: this.settings.keys,
          valueSize: this.settings.valueSize,
          seed: (this.settings.seed ?? 1) + 1000 + perRequest.length,
          timeoutMs: this.settings.requestTimeoutMs ?? 10_000,
          cannedOk: server === 'floor',
        },
        this.plan,
        { onWindowStart: () => sampler.start(), onWindowEnd: () => (cpuPct = sampler.stop().cpuPct) },
      );
      this.record(entry, load);
      const us = load.requests > 0 ? cpuMicrosPerRequest(cpuPct, load.windowMs, load.requests) : Number.POSITIVE_INFINITY;
      perRequest.push(us);
      if (settled(perRequest, this.warmup.tolerance)) {
        steady = true;
        break;
      }
    }
    const record: WarmupRecord = { server, concurrency, cpuPerRequestUs: perRequest.map((v) => Math.round(v * 10) / 10), steady, elapsedMs: Date.now() - started };
    this.warmups.push(record);
    this.progress(`warm-up: ${server}${this.label ? ` (${this.label})` : ''} c=${concurrency} ${steady ? 'steady' : 'NOT steady'} after ${(record.elapsedMs / 1000).toFixed(1)} s (CPU µs per request: ${record.cpuPerRequestUs.join(' → ')})\n`);
  }

  /** On the way out after a signal: SIGKILL every live server, remove the databases, now. */
  kill(): void {
    for (const e of this.live.values()) killServer(e.running);
    this.live.clear();
    rmSync(this.scratch, { recursive: true, force: true });
  }

  /** Stops every live server (each must exit 0 on SIGTERM) and removes the databases. */
  async close(): Promise<void> {
    const entries = [...this.live.values()];
    this.live.clear();
    try {
      for (const e of entries) await stopServer(e.running);
    } finally {
      for (const e of entries) killServer(e.running);
      rmSync(this.scratch, { recursive: true, force: true });
    }
  }
}

/** Whether the last three slices agree within `tolerance` (relative to the smallest). */
export function settled(perRequest: readonly number[], tolerance: number): boolean {
  if (perRequest.length < 3) return false;
  const last = perRequest.slice(-3);
  if (!last.every((v) => Number.isFinite(v) && v > 0)) return false;
  return Math.max(...last) - Math.min(...last) <= tolerance * Math.min(...last);
}

function warmupWorkload(workloads: readonly WorkloadName[]): WorkloadName {
  return workloads.includes('mixed') ? 'mixed' : workloads[0] ?? 'get';
}

/** A line for the report's warnings: how each live server was warmed up. */
export function describeWarmup(w: WarmupRecord): string {
  if (w.cpuPerRequestUs.length === 0) return `${w.server} c=${w.concurrency} was not warmed up until steady (turned off): its first rounds include JIT warm-up.`;
  const path = w.cpuPerRequestUs.join(' → ');
  return w.steady
    ? `${w.server} c=${w.concurrency} stayed up across rounds; warmed up for ${(w.elapsedMs / 1000).toFixed(1)} s until its CPU per request was steady (${path} µs).`
    : `${w.server} c=${w.concurrency} was still not steady after ${(w.elapsedMs / 1000).toFixed(1)} s of warm-up (CPU per request ${path} µs): its figures include JIT warm-up.`;
}
