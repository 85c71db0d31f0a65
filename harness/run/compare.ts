// One `compare` run, start to Report: pre-flight, then interleaved rounds of fresh servers under
// load, then the figures, verdicts and comparisons. Writing and printing the report is the
// caller's (compare-command.ts); the gate calls runComparison with its own settings.
//
// Every measurement (server x round x workload x concurrency) gets a fresh server process on a
// fresh copy of the preloaded database: no state (WAL growth, caches, JIT, leaked connections)
// carries from one measurement into the next, and the rows written can be checked exactly.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openStore, seedDatabase } from '../../servers/kv/index.js';
import type { Cell, FailureBreakdown, Preflight, Report, Round, ServerName, WorkloadName } from '../schema/report-schema.js';
import { REPORT_SCHEMA, REPORT_VERSION } from '../schema/report-schema.js';
import type { CompareSettings } from './settings.js';
import { buildComparisons } from '../analysis/factors.js';
import { describeMachine } from '../system/machine.js';
import { allowedCpus, formatCpuList, pinProcess, planCpus, type CpuPlan } from '../system/pinning.js';
import { firstMismatch, PREFLIGHT_SCRIPT, runScript, type PreflightAnswer } from './preflight.js';
import { ProcSampler } from '../system/proc-sampler.js';
import { killServer, serverFlags, startServer, stopServer, type RunningChild } from './server-process.js';
import { runLoad, type LoadOutcome } from '../load/run-load.js';
import { DEFAULT_DRIVER, describeDriver } from '../load/drivers.js';
import { decodeHistogram, latencySummary, spread } from '../analysis/stats.js';
import { checkRows, roundVerdict, worstVerdict } from '../analysis/verdict.js';
import { preloadKey } from '../load/workloads.js';
import { describeWarmup, type WarmServers } from './warm-servers.js';

export type Progress = (line: string) => void;

/** Seconds a measurement costs beyond warm-up + window: server start, health check, stop, rows check. */
const OVERHEAD_S = 1.5;

interface Measurement {
  server: ServerName;
  workload: WorkloadName;
  concurrency: number;
  round: number;
  order: number;
}

/** The interleaved schedule: in each round every (workload, concurrency) runs every server back to
 *  back, and the server order rotates from one round to the next (A B, B A, ...), so drift of the
 *  machine over the run and "who ran right after whom" hit every server alike. */
export function schedule(s: Pick<CompareSettings, 'servers' | 'workloads' | 'concurrency' | 'rounds'>): Measurement[] {
  const out: Measurement[] = [];
  for (let round = 1; round <= s.rounds; round++) {
    for (const workload of s.workloads) {
      for (const concurrency of s.concurrency) {
        for (let i = 0; i < s.servers.length; i++) {
          const server = s.servers[(i + round - 1) % s.servers.length]!;
          out.push({ server, workload, concurrency, round, order: out.length });
        }
      }
    }
  }
  return out;
}

function rowsIn(db: string): number {
  const store = openStore(db);
  try {
    return store.count();
  } finally {
    store.close();
  }
}

function removeDb(db: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(db + suffix, { force: true });
}

class RunContext {
  readonly scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-compare-'));
  readonly template = path.join(this.scratch, 'preloaded.db');
  private dbCounter = 0;
  private live: RunningChild | null = null;

  constructor(readonly settings: CompareSettings, readonly plan: CpuPlan) {}

  freshDb(preloaded: boolean): string {
    const db = path.join(this.scratch, `server-${++this.dbCounter}.db`);
    if (preloaded) copyFileSync(this.template, db);
    return db;
  }

  async start(server: ServerName, db: string, concurrency = 1): Promise<RunningChild> {
    // Starting hundreds of sync threads takes a while (an isolate and a SQLite connection each,
    // ~150 ms of CPU): allow 200 ms per thread on top of the usual start-up allowance.
    const readyTimeoutMs = 30_000 + (server === 'sync' ? concurrency * 200 : 0);
    this.live = await startServer(server, db, this.plan.serverCpus, this.settings.serverEnv?.[server] ?? {}, readyTimeoutMs, serverFlags(server, concurrency));
    return this.live;
  }

  async stop(running: RunningChild): Promise<void> {
    try {
      await stopServer(running);
    } finally {
      this.live = null;
    }
  }

  cleanup(): void {
    if (this.live) killServer(this.live);
    rmSync(this.scratch, { recursive: true, force: true });
  }
}

interface RoundOutcome {
  round: Round;
  /** `cumulative`: the check covers the server's whole life (a warm server), not this round. */
  rows?: { expectedRows: number; actualRows: number; ok: boolean; cumulative?: boolean };
}

async function measureOnce(ctx: RunContext, m: Measurement, durationMs: number, warmupMs: number, onWindow: (event: 'start' | 'end') => void, warm?: WarmServers): Promise<RoundOutcome> {
  const s = ctx.settings;
  const apiServer = m.server !== 'floor';
  const live = warm ? await warm.get(m.server, m.concurrency) : null;
  const db = live ? live.db : ctx.freshDb(apiServer);
  const running = live ? live.running : await ctx.start(m.server, db!, m.concurrency);
  if (live) warm!.prepare(live);
  const startedAt = new Date().toISOString();
  const serverSampler = new ProcSampler([running.pid]);
  let load: LoadOutcome;
  let serverUsage = { cpuPct: Number.NaN, peakRssBytes: 0, peakThreads: 0 };
  try {
    load = await runLoad(
      {
        mode: s.rate === undefined ? 'closed' : 'open',
        driver: s.driver ?? DEFAULT_DRIVER,
        host: '127.0.0.1',
        port: running.port,
        workload: m.workload,
        connections: m.concurrency,
        pipelining: s.pipelining,
        ...(s.rate !== undefined ? { rate: s.rate } : {}),
        warmupMs,
        durationMs,
        keys: s.keys,
        valueSize: s.valueSize,
        seed: (s.seed ?? 1) + m.round,
        timeoutMs: s.requestTimeoutMs ?? 10_000,
        cannedOk: !apiServer,
      },
      ctx.plan,
      {
        onWindowStart: () => {
          serverSampler.start();
          onWindow('start');
        },
        onWindowEnd: () => {
          serverUsage = serverSampler.stop();
          onWindow('end');
        },
      },
    );
  } catch (err) {
    if (!live) await ctx.stop(running).catch(() => {});
    throw err;
  }

  let rows: RoundOutcome['rows'];
  if (live) {
    warm!.record(live, load);
    const check = warm!.rowsCheck(live);
    if (check) rows = { ...check, cumulative: true };
  } else if (apiServer) {
    await ctx.stop(running);
    // The whole run's writes, warm-up included (checkRows allows for those in doubt).
    rows = checkRows(s.keys, load, rowsIn(db!));
    removeDb(db!);
  } else {
    await ctx.stop(running);
    removeDb(db!);
  }

  const windowS = load.windowMs / 1000;
  const hist = decodeHistogram(load.histogram);
  const latency = latencySummary(hist, load.latencyCount > 0 ? load.latencySumUs / load.latencyCount : 0);
  const failures: FailureBreakdown = { unexpectedStatus: load.unexpectedStatus, timeouts: load.timeouts, connectionErrors: load.connectionErrors, other: load.other };
  const achievedRate = s.rate !== undefined ? load.responses / windowS : undefined;
  const v = roundVerdict({
    requests: load.requests,
    responseRate: load.responses / windowS,
    meanLatencyUs: latency.meanUs,
    inFlight: m.concurrency * s.pipelining,
    driverCpuPct: load.driverCpuPct,
    driverCpus: load.driverProcesses,
    ...(s.rate !== undefined ? { targetRate: s.rate, achievedRate: achievedRate! } : {}),
  });
  const round: Round = {
    round: m.round,
    order: m.order,
    startedAt,
    durationMs: Math.round(load.windowMs),
    requests: load.requests,
    expected: load.expected,
    failures,
    throughput: load.expected / windowS,
    successRate: load.requests > 0 ? load.expected / load.requests : 0,
    latency,
    histogram: load.histogram,
    serverCpuPct: serverUsage.cpuPct,
    serverPeakRssBytes: serverUsage.peakRssBytes,
    serverPeakThreads: serverUsage.peakThreads,
    driverCpuPct: load.driverCpuPct,
    writesAcknowledged: load.writesAcknowledged,
    ...(achievedRate !== undefined ? { achievedRate } : {}),
    verdict: v.verdict,
    verdictReasons: v.reasons,
  };
  return { round, ...(rows ? { rows } : {}) };
}

function summarize(server: ServerName, workload: WorkloadName, concurrency: number, outcomes: RoundOutcome[]): Cell {
  const rounds = outcomes.map((o) => o.round).sort((a, b) => a.round - b.round);
  const of = (pick: (r: Round) => number) => spread(rounds.map(pick));
  const worst = worstVerdict(rounds);
  let rowChecks = outcomes.flatMap((o) => (o.rows ? [o.rows] : []));
  // A warm server's checks are cumulative: the latest one covers all the others.
  if (rowChecks.some((r) => r.cumulative)) rowChecks = [...outcomes].sort((a, b) => b.round.order - a.round.order).flatMap((o) => (o.rows ? [o.rows] : [])).slice(0, 1);
  const cell: Cell = {
    server,
    workload,
    concurrency,
    rounds,
    summary: {
      throughput: of((r) => r.throughput),
      successRate: of((r) => r.successRate),
      meanUs: of((r) => r.latency.meanUs),
      p50Us: of((r) => r.latency.p50Us),
      p90Us: of((r) => r.latency.p90Us),
      p99Us: of((r) => r.latency.p99Us),
      p999Us: of((r) => r.latency.p999Us),
      p9999Us: of((r) => r.latency.p9999Us),
      maxUs: of((r) => r.latency.maxUs),
      serverCpuPct: of((r) => r.serverCpuPct),
      serverPeakRssBytes: of((r) => r.serverPeakRssBytes),
      serverPeakThreads: of((r) => r.serverPeakThreads),
      driverCpuPct: of((r) => r.driverCpuPct),
    },
    verdict: worst.verdict,
    verdictReasons: worst.reasons,
  };
  if (rowChecks.length > 0) {
    // Summed over the rounds' fresh databases (or a warm server's latest cumulative check); ok
    // only when every round's own check held.
    cell.rowsCheck = {
      expectedRows: rowChecks.reduce((a, r) => a + r.expectedRows, 0),
      actualRows: rowChecks.reduce((a, r) => a + r.actualRows, 0),
      ok: rowChecks.every((r) => r.ok),
    };
    if (!cell.rowsCheck.ok) {
      cell.verdict = 'suspect';
      const scope = rowChecks[0]!.cumulative ? 'since the server started' : 'summed over rounds';
      cell.verdictReasons.push(`rows written do not match acknowledged writes (expected ${cell.rowsCheck.expectedRows}, found ${cell.rowsCheck.actualRows}, ${scope})`);
    }
  }
  return cell;
}

function formatSeconds(s: number): string {
  s = Math.max(0, Math.round(s));
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

async function preflightAll(ctx: RunContext, servers: readonly ServerName[], progress: Progress): Promise<Preflight[]> {
  const results: Preflight[] = [];
  let reference: { server: ServerName; answers: PreflightAnswer[] } | undefined;
  for (const server of servers) {
    if (server === 'floor') continue; // a canned 200 to everything: nothing to verify
    progress(`pre-flight: ${server} (${PREFLIGHT_SCRIPT.length} scripted requests)\n`);
    const db = ctx.freshDb(false);
    const running = await ctx.start(server, db);
    let answers: PreflightAnswer[];
    try {
      answers = await runScript(running.port);
    } finally {
      await ctx.stop(running);
    }
    let mismatch = firstMismatch(answers, PREFLIGHT_SCRIPT, reference);
    if (mismatch === null) {
      const left = rowsIn(db);
      if (left !== 0) mismatch = `the script deletes every key it writes, but ${left} row(s) were left in the database`;
    }
    removeDb(db);
    results.push({ server, ok: mismatch === null, steps: PREFLIGHT_SCRIPT.length, ...(mismatch ? { mismatch } : {}) });
    // The first server that passes is the one the others must match, answer for answer.
    if (mismatch === null && !reference) reference = { server, answers };
  }
  return results;
}

/** Pre-flight only (every server but the floor answers the scripted requests, and they must
 *  agree), for a caller that measures in steps of its own (the A/B gate). */
export async function runPreflight(settings: CompareSettings, progress: Progress = () => {}): Promise<Preflight[]> {
  const ctx = new RunContext(settings, planCpus(settings.pin));
  try {
    return await preflightAll(ctx, settings.servers, progress);
  } finally {
    ctx.cleanup();
  }
}

/**
 * Runs one comparison. With `warm` (the gate), servers are not started per measurement: each one
 * comes from `warm`, started and warmed up to a steady state on first use and kept for the next
 * rounds and the next calls (see warm-servers.ts); pre-flight then runs on the first call only.
 */
export async function runComparison(settings: CompareSettings, progress: Progress = () => {}, warm?: WarmServers): Promise<Report> {
  const createdAt = new Date().toISOString();
  const machine = describeMachine();
  const plan = planCpus(settings.pin);
  const warnings: string[] = [];
  if (plan.note && settings.pin) warnings.push(`CPU pinning is off: ${plan.note}. Driver and servers compete for the same CPUs, so driver-bound detection is approximate.`);
  const ctx = new RunContext(settings, plan);
  // The harness itself (samplers, IPC) runs beside the drivers, not on the servers' CPUs.
  const ownCpus = allowedCpus();
  if (plan.pinned) pinProcess(process.pid, plan.driverCpus);
  const onSignal = () => {
    ctx.cleanup();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // Warm servers bring their own databases (warm-servers.ts); fresh ones copy this template.
    if (!warm && settings.servers.some((s) => s !== 'floor')) seedDatabase(ctx.template, settings.keys, settings.valueSize, preloadKey);

    const warmupsBefore = warm?.warmups.length ?? 0;
    const preflight = warm?.preflight ?? (await preflightAll(ctx, settings.servers, progress));
    if (warm) warm.preflight = preflight;
    const failed = new Set(preflight.filter((p) => !p.ok).map((p) => p.server));
    for (const p of preflight) if (!p.ok) warnings.push(`${p.server} failed pre-flight and was not benchmarked: ${p.mismatch}`);
    const servers = settings.servers.filter((s) => !failed.has(s));

    const plannedMs = settings.warmupMs + settings.durationMs;
    const measurements = schedule({ ...settings, servers });
    const ceilingNeeded = settings.measureDriverCeiling && !servers.includes('floor') && servers.length > 0;
    let remaining = (measurements.length * (plannedMs / 1000 + OVERHEAD_S)) + (ceilingNeeded ? 4 : 0);

    // The driver's ceiling: the same load against the floor server (a canned 200). Measured first
    // when the floor is not in the comparison; otherwise read from the floor's own cells.
    let driverCeiling: Report['driverCeiling'];
    if (ceilingNeeded) {
      const concurrency = Math.max(...settings.concurrency);
      const durationMs = Math.min(settings.durationMs, 3000);
      const warmupMs = Math.min(settings.warmupMs, 1000);
      progress(`driver ceiling: floor server, get, c=${concurrency}, ${durationMs / 1000} s\n`);
      const { round } = await measureOnce(ctx, { server: 'floor', workload: 'get', concurrency, round: 1, order: -1 }, durationMs, warmupMs, () => {});
      driverCeiling = { workload: 'get', concurrency, throughput: round.throughput, driverCpuPct: round.driverCpuPct };
      remaining -= 4;
    }

    const outcomes = new Map<string, RoundOutcome[]>();
    const key = (s: ServerName, w: WorkloadName, c: number) => `${s}|${w}|${c}`;
    for (const [i, m] of measurements.entries()) {
      const label = `[${i + 1}/${measurements.length}] ${m.server} round ${m.round}/${settings.rounds} ${m.workload} c=${m.concurrency}`;
      progress(`${label}: warming up, ~${formatSeconds(remaining)} left in the run\n`);
      let ticker: NodeJS.Timeout | null = null;
      const began = Date.now();
      const stepStart = remaining;
      if (settings.progressTicks) {
        ticker = setInterval(() => {
          const elapsed = (Date.now() - began) / 1000;
          const phase = elapsed * 1000 < settings.warmupMs ? 'warming up' : 'measuring';
          progress(`${label}: ${phase}, ${formatSeconds(plannedMs / 1000 - elapsed)} left here, ~${formatSeconds(stepStart - elapsed)} in the run\n`);
        }, 1000);
        ticker.unref();
      }
      try {
        const outcome = await measureOnce(ctx, m, settings.durationMs, settings.warmupMs, () => {}, warm);
        outcomes.set(key(m.server, m.workload, m.concurrency), [...(outcomes.get(key(m.server, m.workload, m.concurrency)) ?? []), outcome]);
      } finally {
        if (ticker) clearInterval(ticker);
      }
      remaining -= plannedMs / 1000 + OVERHEAD_S;
    }

    const cells: Cell[] = [];
    for (const workload of settings.workloads) {
      for (const concurrency of settings.concurrency) {
        for (const server of servers) {
          const o = outcomes.get(key(server, workload, concurrency));
          if (o) cells.push(summarize(server, workload, concurrency, o));
        }
      }
    }

    if (!driverCeiling) {
      const floorGet = cells.filter((c) => c.server === 'floor' && c.workload === 'get').sort((a, b) => b.summary.throughput.median - a.summary.throughput.median)[0];
      if (floorGet) driverCeiling = { workload: 'get', concurrency: floorGet.concurrency, throughput: floorGet.summary.throughput.median, driverCpuPct: floorGet.summary.driverCpuPct.median };
    }

    for (const c of cells) {
      if (c.verdict === 'driver-bound') warnings.push(`${c.server} ${c.workload} c=${c.concurrency} is driver-bound: the load generator used nearly all its CPU, so ${Math.round(c.summary.throughput.median)} req/s is a floor, not the server's limit.`);
      else if (c.verdict === 'suspect') warnings.push(`${c.server} ${c.workload} c=${c.concurrency} is suspect: ${c.verdictReasons.join('; ')}.`);
    }
    for (const w of warm?.warmups.slice(warmupsBefore) ?? []) if (!w.steady) warnings.push(describeWarmup(w));
    if (settings.rounds < 2) warnings.push('One round only: there is no spread to judge the noise by, so no difference can be called a tie or a win with confidence.');

    return {
      schema: REPORT_SCHEMA,
      version: REPORT_VERSION,
      createdAt,
      ...(settings.label ? { label: settings.label } : {}),
      setup: {
        machine,
        command: settings.command,
        servers: settings.servers,
        workloads: settings.workloads,
        concurrency: settings.concurrency,
        durationMs: settings.durationMs,
        warmupMs: settings.warmupMs,
        rounds: settings.rounds,
        keys: settings.keys,
        valueSize: settings.valueSize,
        pipelining: settings.pipelining,
        ...(settings.rate !== undefined ? { rate: settings.rate } : {}),
        ...(warm ? { warmServers: warm.warmups.map((w) => ({ ...w, cpuPerRequestUs: [...w.cpuPerRequestUs] })) } : {}),
        driver: {
          ...describeDriver(settings.rate === undefined ? (settings.driver ?? DEFAULT_DRIVER) : 'open'),
          driverCpus: plan.pinned ? formatCpuList(plan.driverCpus) : null,
          serverCpus: plan.pinned ? formatCpuList(plan.serverCpus) : null,
          pinned: plan.pinned,
          workers: plan.driverProcesses,
        },
      },
      cells,
      comparisons: buildComparisons(cells, servers),
      preflight,
      ...(driverCeiling ? { driverCeiling } : {}),
      warnings,
    };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    ctx.cleanup();
    if (plan.pinned) pinProcess(process.pid, ownCpus);
  }
}

