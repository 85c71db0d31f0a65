// Server lifecycle "kept": one process per (server, concurrency), started on first use and kept up
// across rounds and across calls (the gate's mode, and `compare --keep-servers`).
//
// The scheduler warms each one until steady once, when it is first acquired (steady-warmup.ts);
// later rounds find it warm. The database lives as long as the server, so the rows check is
// cumulative: preloaded keys + every acknowledged create - every acknowledged delete since the
// start, warm-up included; its WAL is emptied before every load, so each starts from the state a
// fresh copy has.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countRowsReadOnly, seedDatabase, truncateWal } from '../../servers/kv/index.js';
import type { ServerName, WorkloadName } from '../schema/report-schema.js';
import type { CompareSettings } from './settings.js';
import type { CpuPlan } from '../system/pinning.js';
import { stopServer, killServer, type RunningChild } from './server-process.js';
import { preloadKey } from '../load/workloads.js';
import { checkRows, type WriteLedger } from '../analysis/verdict.js';
import type { WindowHooks } from '../load/run-load.js';
import { addWrites, emptyLedger, killAll, loadWithSampling, startForLoad, stopAll } from './process-load.js';
import { runScript, type PreflightAnswer } from './preflight.js';
import type { LiveServer, LoadRequest, LoadResult, RowsCheck, ServerLifecycle, SlicedLoad } from './lifecycle.js';
import { DEFAULT_STEADY_WARMUP, warmupWorkload, type SteadyWarmup, type WarmupRecord } from './steady-warmup.js';

interface Entry {
  live: LiveServer;
  running: RunningChild;
  ledger: WriteLedger;
}

export class WarmServers implements ServerLifecycle {
  readonly kind = 'kept' as const;
  private readonly scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-warm-'));
  private readonly template = path.join(this.scratch, 'preloaded.db');
  private seeded = false;
  private readonly live = new Map<string, Entry>();
  readonly warmups: WarmupRecord[] = [];
  readonly warmupOn: WorkloadName;

  constructor(
    private readonly settings: CompareSettings,
    private readonly plan: CpuPlan,
    readonly steady: SteadyWarmup = DEFAULT_STEADY_WARMUP,
    /** Kept for the gate's call shape; progress now comes from the scheduler. */
    _progress: (line: string) => void = () => {},
    /** The `mkvss-lab` CLI whose servers these are (another build's, for an A/B gate). */
    private readonly cli?: string,
    /** Added to progress lines ("base"), to tell two pools apart. */
    readonly label = '',
  ) {
    this.warmupOn = warmupWorkload(settings.workloads);
  }

  async preflight(server: ServerName) {
    const db = path.join(this.scratch, `preflight-${server}.db`);
    const running = await startForLoad(server, db, 1, this.settings, this.plan, this.cli);
    let answers: PreflightAnswer[];
    try {
      answers = await runScript(running.port);
    } finally {
      try {
        await stopServer(running);
      } finally {
        killServer(running);
      }
    }
    const rowsLeft = countRowsReadOnly(db);
    for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
    return { answers, rowsLeft };
  }

  /** The live server for (server, concurrency): started on first use (cold), then the same one. */
  async acquire(server: ServerName, concurrency: number): Promise<LiveServer> {
    const key = `${server}|${concurrency}`;
    const existing = this.live.get(key);
    if (existing) return existing.live;
    let db: string | null = null;
    if (server !== 'floor') {
      if (!this.seeded) {
        seedDatabase(this.template, this.settings.keys, this.settings.valueSize, preloadKey);
        this.seeded = true;
      }
      db = path.join(this.scratch, `${server}-c${concurrency}.db`);
      copyFileSync(this.template, db);
    }
    const running = await startForLoad(server, db ?? path.join(this.scratch, 'unused.db'), concurrency, this.settings, this.plan, this.cli);
    const live: LiveServer = { server, concurrency, host: '127.0.0.1', port: running.port, pid: running.pid, db, cold: true };
    this.live.set(key, { live, running, ledger: emptyLedger() });
    return live;
  }

  /**
   * Before a load: the server's (idle) database back to an empty WAL, so every load starts from
   * the state a fresh copy has. Why: a read costs more with a fuller WAL (measured here, one
   * connection, interleaved: 9.5 -> 10.3 µs per read with 900 updates in the WAL, 9.3 -> 10.8 µs
   * with 3,000), and a mixed workload fills it at its own pace, so a server kept up across rounds
   * would otherwise start each round from a different WAL.
   */
  prepare(live: LiveServer): void {
    if (live.db !== null) truncateWal(live.db);
  }

  async load(live: LiveServer, request: LoadRequest, hooks?: Partial<WindowHooks>, slices?: SlicedLoad): Promise<LoadResult> {
    const entry = this.entry(live);
    const result = await loadWithSampling(entry.running, request, this.plan, hooks, slices, live.host);
    addWrites(entry.ledger, result.load);
    return result;
  }

  /** Stays up; the rows check covers the server's whole life (null for the floor). */
  async release(live: LiveServer, onPhase: (phase: 'stopping' | 'checking rows') => void = () => {}): Promise<RowsCheck | null> {
    const entry = this.entry(live);
    live.cold = false;
    if (live.db === null) return null;
    onPhase('checking rows');
    return { ...checkRows(this.settings.keys, entry.ledger, countRowsReadOnly(live.db)), cumulative: true };
  }

  private entry(live: LiveServer): Entry {
    const entry = this.live.get(`${live.server}|${live.concurrency}`);
    if (!entry || entry.live !== live)
      throw new Error(`the ${live.server} server (c=${live.concurrency}) is not one of these live servers`);
    return entry;
  }

  /** On the way out after a signal: SIGKILL every live server, remove the databases, now. */
  kill(): void {
    const running = [...this.live.values()].map((e) => e.running);
    this.live.clear();
    killAll(running, this.scratch);
  }

  /** Stops every live server (each must exit 0 on SIGTERM) and removes the databases. */
  async close(): Promise<void> {
    const running = [...this.live.values()].map((e) => e.running);
    this.live.clear();
    await stopAll(running, this.scratch);
  }
}

export { describeWarmup, settled, DEFAULT_STEADY_WARMUP, type SteadyWarmup, type WarmupRecord } from './steady-warmup.js';
