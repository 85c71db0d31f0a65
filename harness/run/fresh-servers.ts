// Server lifecycle "fresh" (compare's default): every measurement gets a new server process on a
// fresh copy of the preloaded database, stopped with SIGTERM (it must exit 0) after it.
//
// No state (WAL growth, caches, leaked connections) carries from one measurement into the next,
// the rows written can be checked exactly, and the spread between rounds includes the variance
// between processes, which is real variance. The JIT state does not carry either: the scheduler
// warms each fresh server until steady (steady-warmup.ts) before it is measured.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { countRowsReadOnly, seedDatabase } from '../../servers/kv/index.js';
import type { ServerName } from '../schema/report-schema.js';
import type { CompareSettings } from './settings.js';
import type { CpuPlan } from '../system/pinning.js';
import { killServer, stopServer, type RunningChild } from './server-process.js';
import { runScript, type PreflightAnswer } from './preflight.js';
import { preloadKey } from '../load/workloads.js';
import { checkRows, type WriteLedger } from '../analysis/verdict.js';
import { addWrites, emptyLedger, killAll, loadWithSampling, startForLoad, stopAll } from './process-load.js';
import type { LiveServer, LoadRequest, LoadResult, RowsCheck, ServerLifecycle, SlicedLoad } from './lifecycle.js';
import type { WindowHooks } from '../load/run-load.js';
import type { SteadyWarmup, WarmupRecord } from './steady-warmup.js';

interface Entry {
  running: RunningChild;
  ledger: WriteLedger;
}

function removeDb(db: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
}

export class FreshServers implements ServerLifecycle {
  readonly kind = 'fresh' as const;
  readonly warmups: WarmupRecord[] = [];
  private readonly scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-compare-'));
  private readonly template = path.join(this.scratch, 'preloaded.db');
  private seeded = false;
  private dbCounter = 0;
  private readonly live = new Map<LiveServer, Entry>();

  constructor(
    private readonly settings: CompareSettings,
    private readonly plan: CpuPlan,
    readonly steady: SteadyWarmup,
  ) {}

  private freshDb(preloaded: boolean): string {
    const db = path.join(this.scratch, `server-${++this.dbCounter}.db`);
    if (preloaded) {
      if (!this.seeded) {
        seedDatabase(this.template, this.settings.keys, this.settings.valueSize, preloadKey);
        this.seeded = true;
      }
      copyFileSync(this.template, db);
    }
    return db;
  }

  async preflight(server: ServerName) {
    const db = this.freshDb(false);
    try {
      const running = await startForLoad(server, db, 1, this.settings, this.plan);
      const entry = { running, ledger: emptyLedger() };
      const live: LiveServer = { server, concurrency: 1, host: '127.0.0.1', port: running.port, pid: running.pid, db, cold: true };
      this.live.set(live, entry);
      let answers: PreflightAnswer[];
      try {
        answers = await runScript(running.port);
      } finally {
        this.live.delete(live);
        await stopServer(running);
      }
      return { answers, rowsLeft: countRowsReadOnly(db) };
    } finally {
      removeDb(db);
    }
  }

  async acquire(server: ServerName, concurrency: number): Promise<LiveServer> {
    const db = server === 'floor' ? null : this.freshDb(true);
    try {
      const running = await startForLoad(server, db ?? path.join(this.scratch, 'unused.db'), concurrency, this.settings, this.plan);
      const live: LiveServer = { server, concurrency, host: '127.0.0.1', port: running.port, pid: running.pid, db, cold: true };
      this.live.set(live, { running, ledger: emptyLedger() });
      return live;
    } catch (err) {
      if (db) removeDb(db);
      throw err;
    }
  }

  prepare(): void {
    // A fresh database needs nothing: it starts as the template did.
  }

  async load(live: LiveServer, request: LoadRequest, hooks?: Partial<WindowHooks>, slices?: SlicedLoad): Promise<LoadResult> {
    const entry = this.entry(live);
    const result = await loadWithSampling(entry.running, request, this.plan, hooks, slices, live.host);
    addWrites(entry.ledger, result.load);
    return result;
  }

  async release(live: LiveServer, onPhase: (phase: 'stopping' | 'checking rows') => void = () => {}): Promise<RowsCheck | null> {
    const entry = this.entry(live);
    this.live.delete(live);
    try {
      onPhase('stopping');
      await stopServer(entry.running);
      if (live.db === null) return null;
      onPhase('checking rows');
      // The whole life's writes, warm-up included (checkRows allows for those in doubt).
      return checkRows(this.settings.keys, entry.ledger, countRowsReadOnly(live.db));
    } finally {
      killServer(entry.running);
      if (live.db) removeDb(live.db);
    }
  }

  private entry(live: LiveServer): Entry {
    const entry = this.live.get(live);
    if (!entry) throw new Error(`the ${live.server} server was already released`);
    return entry;
  }

  kill(): void {
    const running = [...this.live.values()].map((e) => e.running);
    this.live.clear();
    killAll(running, this.scratch);
  }

  async close(): Promise<void> {
    const running = [...this.live.values()].map((e) => e.running);
    this.live.clear();
    await stopAll(running, this.scratch);
  }
}
