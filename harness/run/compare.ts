// One `compare` run, start to Report, in named steps: pre-flight, the interleaved schedule (each
// measurement: acquire a server, warm it until steady, measure, release it; the driver ceiling in
// one slot per round), the cells' summaries, the warnings, and the report. Writing and printing
// the report is the caller's (cli/compare-command.ts); the gate calls runComparison with its own
// settings and its own kept-up servers.
//
// Where the servers come from is one ServerLifecycle (lifecycle.ts), chosen once: fresh processes
// per measurement (the default), processes kept up across rounds, remote targets that already run
// elsewhere (--target: a run is either all local or all remote), or a fake for the tests.
import { guardRun } from './run-guard.js';
import { DEFAULT_DRIVER, describeDriver } from '../load/drivers.js';
import type { Cell, Preflight, Report, Round, ServerName, WorkloadName } from '../schema/report-schema.js';
import { REPORT_SCHEMA, REPORT_VERSION } from '../schema/report-schema.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type CompareSettings } from './settings.js';
import { buildComparisons } from '../analysis/factors.js';
import { describeMachine } from '../system/machine.js';
import { formatCpuList, planCpus, serverPlacement, type CpuPlan } from '../system/pinning.js';
import { firstMismatch, PREFLIGHT_SCRIPT, type PreflightAnswer } from './preflight.js';
import type { LiveServer, ServerLifecycle } from './lifecycle.js';
import { FreshServers } from './fresh-servers.js';
import { WarmServers } from './warm-servers.js';
import { RemoteServers } from './remote-servers.js';
import {
  DEFAULT_STEADY_WARMUP,
  describeWarmup,
  warmUntilSteady,
  warmupWorkload,
  warmupWorkloadFor,
  type WarmupRecord,
  type SteadyWarmup,
  type WarmupSlice,
} from './steady-warmup.js';
import { schedule, type Measurement } from './schedule.js';
import { roundFrom, summarizeCell, type RoundOutcome } from './cell-figures.js';
import { ceilingFromFloorCells, ceilingFromSlots, ceilingWarnings, type DriverCeiling } from './driver-ceiling.js';
import { formatSeconds, ProgressClock, type Phase, type Step } from './progress-clock.js';
import { DEFAULT_FLOOR_PREWARM_CPU_MS, DEFAULT_PREWARM_BUDGET } from '../../servers/sync/worker-protocol.js';

export { schedule } from './schedule.js';
export type Progress = (line: string) => void;

/** The ceiling slot's measured window: short, it only has to show what the driver can push. */
const CEILING_WINDOW_MS = 2000;
const CEILING_LEAD_IN_MS = 500;

export interface RunOptions {
  /** Servers from here instead of a lifecycle made from the settings; the caller closes it. */
  lifecycle?: ServerLifecycle;
  /** Pre-flight results the caller already has (the gate checks its servers once): not re-run. */
  preflight?: Preflight[];
  /** The CPU plan (default: planCpus(settings.pin)); the harness pins itself to the driver's CPUs
   *  only when it made the plan itself and it pins. */
  plan?: CpuPlan;
  /** For tests: the clock the warm-up cap and the progress estimate read. */
  now?: () => number;
}

/** Warm-up slices always use the lean node:net driver: they only need load, and a driver that
 *  starts a tool per slice (wrk) would spend the slice starting up. */
const WARMUP_DRIVER = DEFAULT_DRIVER;
/** The lifecycle the settings ask for, chosen once per run. */
export function lifecycleFor(settings: CompareSettings, plan: CpuPlan): ServerLifecycle {
  const steady = settings.steady ?? DEFAULT_STEADY_WARMUP;
  if (settings.targets && settings.targets.length > 0) return new RemoteServers(settings.targets, settings, plan, steady);
  return settings.lifecycle === 'kept' ? new WarmServers(settings, plan, steady) : new FreshServers(settings, plan, steady);
}

/** Every server but the floor answers the scripted requests, and they must agree. */
async function preflightStep(
  lifecycle: ServerLifecycle,
  servers: readonly ServerName[],
  onServer: (server: ServerName, index: number) => void,
): Promise<Preflight[]> {
  const results: Preflight[] = [];
  let reference: { server: ServerName; answers: PreflightAnswer[] } | undefined;
  for (const [i, server] of servers.filter((s) => s !== 'floor').entries()) {
    onServer(server, i);
    const { answers, rowsLeft } = await lifecycle.preflight(server);
    let mismatch = firstMismatch(answers, PREFLIGHT_SCRIPT, reference);
    if (mismatch === null && rowsLeft !== 0)
      mismatch = `the script deletes every key it writes, but ${rowsLeft} row(s) were left in the database`;
    results.push({ server, ok: mismatch === null, steps: PREFLIGHT_SCRIPT.length, ...(mismatch ? { mismatch } : {}) });
    // The first server that passes is the one the others must match, answer for answer.
    if (mismatch === null && !reference) reference = { server, answers };
  }
  return results;
}

/** Pre-flight only, for a caller that measures in steps of its own (the A/B gate). */
export async function runPreflight(settings: CompareSettings, progress: Progress = () => {}): Promise<Preflight[]> {
  const lifecycle = new FreshServers(settings, planCpus(settings.pin), settings.steady ?? DEFAULT_STEADY_WARMUP);
  try {
    return await preflightStep(lifecycle, settings.servers, (server) =>
      progress(`pre-flight: ${server} (${PREFLIGHT_SCRIPT.length} scripted requests)\n`),
    );
  } finally {
    lifecycle.kill();
  }
}

/** What one measurement gave: its round (with the warm-up it went through) and rows check. */
interface Measured {
  m: Measurement;
  outcome: RoundOutcome;
  warmup?: WarmupRecord;
}

/** The CPU a sync floor of `threads` spends on its warm start: none with --no-prewarm. */
function warmStartCpuMs(settings: CompareSettings, threads: number): number {
  return settings.syncPrewarm === false ? 0 : Math.min(threads * DEFAULT_PREWARM_BUDGET.maxCpuMs, DEFAULT_FLOOR_PREWARM_CPU_MS);
}

/** A priori phase lengths, before the run has timed one of the same kind (ms). */
function priorFor(settings: CompareSettings, steadyMaxMs: number, sliceMs: number, startCpus: number) {
  return (kind: string, phase: Phase): number => {
    const [server, c, what] = kind.split('|');
    const threads = server === 'sync' ? Number(c) : 0;
    switch (phase) {
      case 'starting':
        // A sync start: ~165 ms of CPU per thread (an isolate with its modules, docs/SYNC.md),
        // then the floor's warm start (bounded in all), on every CPU a server starts on
        // (pinning.ts). Measured at 50 threads on two CPUs: 16-17 s (the first prior, 2.8 s,
        // made the first estimate of a default run 80 s short).
        return threads === 0 ? 300 : 800 + (threads * 165 + warmStartCpuMs(settings, threads)) / startCpus;
      case 'pre-flight':
        // Start (one thread), 23 requests, stop.
        return 1500;
      case 'warming up':
        // Until measured: one driver's start-up, then a settle in a handful of slices.
        return Math.min(steadyMaxMs, 5 * sliceMs) + 1000;
      case 'measuring':
        return what === 'ceiling' ? CEILING_LEAD_IN_MS + CEILING_WINDOW_MS + 400 : settings.warmupMs + settings.durationMs + 400;
      case 'stopping':
        return 200 + threads * 60;
      case 'checking rows':
        return 100;
    }
  };
}

function stepsOf(
  measurements: readonly Measurement[],
  preflightServers: readonly ServerName[],
  lifecycle: ServerLifecycle,
  warmOff: boolean,
): Step[] {
  // A remote target stays up like a kept server (and has nothing to stop or check).
  const kept = lifecycle.kind === 'kept' || lifecycle.kind === 'remote';
  const remote = lifecycle.kind === 'remote';
  const pre: Step[] = preflightServers.map((server) => ({
    kind: `${server}|1|preflight`,
    phases: ['pre-flight'],
    label: `pre-flight: ${server}`,
  }));
  const seenKept = new Set<string>();
  const main: Step[] = measurements.map((m, i) => {
    const phases: Phase[] = [];
    const first = !seenKept.has(`${m.server}|${m.concurrency}`);
    seenKept.add(`${m.server}|${m.concurrency}`);
    if (!kept || first) phases.push('starting');
    if (!m.ceiling && !warmOff && (!kept || first)) phases.push('warming up');
    phases.push('measuring');
    if (!kept) phases.push('stopping');
    if (m.server !== 'floor' && !remote) phases.push('checking rows');
    const label = m.ceiling
      ? `[${i + 1}/${measurements.length}] driver ceiling round ${m.round} (floor, get, c=${m.concurrency})`
      : `[${i + 1}/${measurements.length}] ${m.server} round ${m.round} ${m.workload} c=${m.concurrency}`;
    return { kind: `${m.server}|${m.concurrency}|${m.ceiling ? 'ceiling' : 'server'}`, phases, label };
  });
  return [...pre, ...main];
}

/**
 * Warms a cold server up by the lifecycle's rule (steady-warmup.ts) on the lifecycle's warm-up
 * workload, records it in `lifecycle.warmups` and marks the server warm. The measure loop calls it
 * for a cold server; the A/B gate calls it for both builds' processes at once (gate/measure.ts).
 */
export async function warmUp(
  lifecycle: ServerLifecycle,
  live: LiveServer,
  settings: CompareSettings,
  o: {
    /** The workload about to be measured (a fresh server warms on it: warmupWorkloadFor). */
    measured: WorkloadName;
    round: number;
    onSlice?: (s: WarmupSlice) => void;
    now?: () => number;
    /** Instead of the lifecycle's rule (the A/B gate's side-by-side warm-up is twice as long). */
    rule?: SteadyWarmup;
  },
): Promise<WarmupRecord> {
  const workload: WorkloadName =
    lifecycle.warmupOn ?? (lifecycle.kind === 'kept' ? warmupWorkload(settings.workloads) : warmupWorkloadFor(o.measured));
  const warmup = await warmUntilSteady(
    lifecycle,
    live,
    o.rule ?? lifecycle.steady,
    {
      mode: 'closed',
      driver: WARMUP_DRIVER,
      workload,
      connections: live.concurrency,
      pipelining: settings.pipelining,
      keys: settings.keys,
      valueSize: settings.valueSize,
      seed: (settings.seed ?? 1) + 1000 + 100 * o.round,
      timeoutMs: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
    o.onSlice,
    o.now,
  );
  lifecycle.warmups.push(warmup);
  live.cold = false;
  return warmup;
}

/** Acquire, warm until steady when cold, measure, release: one measurement of the schedule. */
async function measureStep(
  lifecycle: ServerLifecycle,
  settings: CompareSettings,
  m: Measurement,
  say: (phase: Phase, detail?: string) => void,
  now: () => number,
): Promise<Measured> {
  say('starting', lifecycle.acquireNote?.(m.server) ?? '');
  const live: LiveServer = await lifecycle.acquire(m.server, m.concurrency);
  let warmup: WarmupRecord | undefined;
  try {
    if (live.cold && !m.ceiling) {
      say('warming up', 'until steady');
      warmup = await warmUp(lifecycle, live, settings, {
        measured: m.workload,
        round: m.round,
        onSlice: (s) =>
          say(
            'warming up',
            lifecycle.steady.basis === 'throughput'
              ? `until steady (throughput): slice ${s.slice}, ${Math.round(s.throughput)} req/s`
              : `until steady: slice ${s.slice}, ${Number.isFinite(s.cpuPerRequestUs) ? `${Math.round(s.cpuPerRequestUs)} µs CPU/request` : 'no requests'}`,
          ),
        now,
      });
    }
    say('measuring');
    lifecycle.prepare(live);
    const startedAt = new Date().toISOString();
    const ceiling = m.ceiling === true;
    const result = await lifecycle.load(live, {
      mode: settings.rate === undefined || ceiling ? 'closed' : 'open',
      driver: settings.driver ?? DEFAULT_DRIVER,
      workload: m.workload,
      connections: m.concurrency,
      pipelining: settings.pipelining,
      ...(settings.rate !== undefined && !ceiling ? { rate: settings.rate } : {}),
      warmupMs: ceiling ? Math.min(settings.warmupMs, CEILING_LEAD_IN_MS) : settings.warmupMs,
      durationMs: ceiling ? Math.min(settings.durationMs, CEILING_WINDOW_MS) : settings.durationMs,
      keys: settings.keys,
      valueSize: settings.valueSize,
      seed: (settings.seed ?? 1) + m.round,
      timeoutMs: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    });
    const rows = await lifecycle.release(live, (phase) => say(phase));
    const round = roundFrom(m, result, startedAt, ceiling ? { pipelining: settings.pipelining } : settings, warmup);
    return { m, outcome: { round, ...(rows ? { rows } : {}) }, ...(warmup ? { warmup } : {}) };
  } catch (err) {
    // A failed measurement must not leave its server up (a kept one is the owner's to close).
    if (lifecycle.kind !== 'kept') await lifecycle.release(live).catch(() => {});
    throw err;
  }
}

/** The cells, in the report's order (workload, concurrency, server). */
function summarizeStep(settings: CompareSettings, servers: readonly ServerName[], measured: readonly Measured[]): Cell[] {
  const urls = new Map((settings.targets ?? []).map((t) => [t.name, t.url]));
  const cells: Cell[] = [];
  for (const workload of settings.workloads) {
    for (const concurrency of settings.concurrency) {
      for (const server of servers) {
        const o = measured
          .filter((x) => !x.m.ceiling && x.m.server === server && x.m.workload === workload && x.m.concurrency === concurrency)
          .map((x) => x.outcome);
        if (o.length === 0) continue;
        const cell = summarizeCell(server, workload, concurrency, o);
        const url = urls.get(server);
        cells.push(url === undefined ? cell : { ...cell, remote: { url } });
      }
    }
  }
  return cells;
}

function warningsStep(
  settings: CompareSettings,
  plan: CpuPlan,
  preflight: readonly Preflight[],
  cells: readonly Cell[],
  ceiling: DriverCeiling | undefined,
  lifecycle: ServerLifecycle,
  newWarmups: readonly WarmupRecord[],
): string[] {
  const warnings: string[] = [];
  if (plan.note && settings.pin)
    warnings.push(
      `CPU pinning is off: ${plan.note}. Driver and servers compete for the same CPUs, so driver-bound detection is approximate.`,
    );
  for (const p of preflight) if (!p.ok) warnings.push(`${p.server} failed pre-flight and was not benchmarked: ${p.mismatch}`);
  warnings.push(...ceilingWarnings(ceiling, cells));
  for (const c of cells)
    if (c.verdict === 'suspect') warnings.push(`${c.server} ${c.workload} c=${c.concurrency} is suspect: ${c.verdictReasons.join('; ')}.`);
  const kept = lifecycle.kind === 'kept' || lifecycle.kind === 'remote';
  if (lifecycle.kind === 'remote') {
    warnings.push(
      `Remote targets: the lab did not start them and cannot see their CPU, RSS or threads (not sampled) nor count their rows (not checked); ${lifecycle.steady.maxMs > 0 ? 'the warm-up until steady went by throughput (three slices within 10% on req/s), not CPU per request; ' : ''}no driver ceiling was measured; the driver was not pinned. Whatever else runs on the target's machine is not known to this report.`,
    );
  }
  // A warm-up turned off (no slices) is said once per server and concurrency, below.
  if (kept) for (const w of newWarmups) if (!w.steady && w.cpuPerRequestUs.length > 0) warnings.push(describeWarmup(w));
  if (lifecycle.steady.maxMs <= 0) {
    const said = new Set<string>();
    for (const w of newWarmups) {
      const key = `${w.server} ${w.concurrency}`;
      if (!said.has(key)) warnings.push(describeWarmup(w, kept));
      said.add(key);
    }
  }
  if (settings.rounds < 3)
    warnings.push(
      `${settings.rounds === 1 ? 'One round' : 'Two rounds'} only: too few for an interval with a stated confidence, so no difference is called a win or a tie (the factors show the ratio${settings.rounds === 2 ? ' and the range of the 2 rounds' : ''}); use --rounds 3 or more, 5 to call a 1.3x difference reliably.`,
    );
  return warnings;
}

export function reportStep(
  settings: CompareSettings,
  plan: CpuPlan,
  lifecycle: ServerLifecycle,
  createdAt: string,
  parts: Pick<Report, 'cells' | 'comparisons' | 'preflight' | 'warnings'> & { driverCeiling: DriverCeiling | undefined },
): Report {
  const { driverCeiling, ...rest } = parts;
  return {
    schema: REPORT_SCHEMA,
    version: REPORT_VERSION,
    createdAt,
    ...(settings.label ? { label: settings.label } : {}),
    setup: {
      machine: describeMachine(),
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
      ...(settings.syncPrewarm === false ? { syncPrewarm: false } : {}),
      ...(lifecycle.kind !== 'fake' ? { lifecycle: lifecycle.kind } : {}),
      ...(settings.targets && settings.targets.length > 0 ? { targets: settings.targets.map((t) => ({ name: t.name, url: t.url })) } : {}),
      steadyWarmup: { ...lifecycle.steady },
      ...(lifecycle.kind === 'kept'
        ? {
            warmServers: lifecycle.warmups.map((w) => ({
              server: w.server,
              concurrency: w.concurrency,
              cpuPerRequestUs: [...w.cpuPerRequestUs],
              steady: w.steady,
              elapsedMs: w.elapsedMs,
            })),
          }
        : {}),
      driver: {
        ...describeDriver(settings.rate === undefined ? (settings.driver ?? DEFAULT_DRIVER) : 'open'),
        driverCpus: plan.pinned ? formatCpuList(plan.driverCpus) : null,
        serverCpus: plan.pinned ? formatCpuList(plan.serverCpus) : null,
        pinned: plan.pinned,
        workers: plan.driverProcesses,
      },
    },
    ...rest,
    ...(driverCeiling ? { driverCeiling } : {}),
  };
}

/** The progress line: which step, which phase, and the time left (progress-clock.ts); redrawn
 *  every second when `ticks` (a terminal), else one line per phase. */
class RunProgress {
  private clock: ProgressClock;
  private current = { index: 0, phase: 'starting' as Phase, detail: '' };
  private readonly ticker: NodeJS.Timeout | null;

  constructor(
    private steps: Step[],
    private readonly prior: (kind: string, phase: Phase) => number,
    private readonly now: () => number,
    private readonly progress: Progress,
    ticks: boolean,
  ) {
    this.clock = new ProgressClock(steps, prior, now);
    this.ticker = ticks ? setInterval(() => this.progress(this.line()), 1000) : null;
    this.ticker?.unref();
  }

  /** The steps changed (a server failed pre-flight): estimate afresh. */
  replan(steps: Step[]): void {
    this.steps = steps;
    this.clock = new ProgressClock(steps, this.prior, this.now);
  }

  /** Step `index` enters `phase`. */
  say(index: number) {
    return (phase: Phase, detail = ''): void => {
      if (phase !== this.current.phase || index !== this.current.index) this.clock.enter(index, phase);
      this.current = { index, phase, detail };
      this.progress(this.line());
    };
  }

  finish(): void {
    this.clock.finish();
  }

  stop(): void {
    if (this.ticker) clearInterval(this.ticker);
  }

  private line(): string {
    const step = this.steps[this.current.index];
    if (!step) return '';
    const { phase, detail } = this.current;
    const here =
      phase === 'measuring'
        ? `, ${formatSeconds((this.clock.estimate(step.kind, 'measuring') - this.clock.phaseElapsedMs()) / 1000)} left here`
        : '';
    return `${step.label}: ${phase}${detail ? ` ${detail}` : ''}${here}, ~${formatSeconds(this.clock.remainingMs() / 1000)} left in the run\n`;
  }
}

/**
 * Runs one comparison. Servers come from `options.lifecycle` when given (the gate's kept-up
 * servers, or a fake in tests; its owner closes it), else from the lifecycle the settings choose.
 */
export async function runComparison(settings: CompareSettings, progress: Progress = () => {}, options: RunOptions = {}): Promise<Report> {
  const createdAt = new Date().toISOString();
  const now = options.now ?? Date.now;
  const plan = options.plan ?? planCpus(settings.pin);
  const owned = !options.lifecycle;
  const lifecycle = options.lifecycle ?? lifecycleFor(settings, plan);
  const unguard = guardRun(lifecycle, plan, { pinSelf: true, owned });
  const warmupsBefore = lifecycle.warmups.length;
  let stopTicks = () => {};
  try {
    const preflightServers = options.preflight ? [] : settings.servers.filter((s) => s !== 'floor');
    const ceilingNeeded = settings.measureDriverCeiling && !settings.servers.includes('floor');
    const ceilingAt = ceilingNeeded ? { concurrency: Math.max(...settings.concurrency) } : undefined;
    // Planned before pre-flight so the first estimate covers the whole run; a server that fails
    // pre-flight drops its steps below.
    let measurements = schedule(settings, ceilingAt);
    const steady = lifecycle.steady;
    const warmOff = steady.maxMs <= 0;
    const prior = priorFor(settings, steady.maxMs, steady.sliceMs, Math.max(1, serverPlacement(plan).start.length));
    const status = new RunProgress(
      stepsOf(measurements, preflightServers, lifecycle, warmOff),
      prior,
      now,
      progress,
      settings.progressTicks === true,
    );
    stopTicks = () => status.stop();

    // 1. Pre-flight (unless the caller already has it).
    const preflight =
      options.preflight ??
      (await preflightStep(lifecycle, settings.servers, (_server, i) =>
        status.say(i)('pre-flight', `(${PREFLIGHT_SCRIPT.length} scripted requests)`),
      ));
    if (preflightServers.length > 0) status.finish();
    const failed = new Set(preflight.filter((p) => !p.ok).map((p) => p.server));
    const servers = settings.servers.filter((s) => !failed.has(s));
    if (failed.size > 0) {
      measurements = schedule({ ...settings, servers }, servers.length > 0 ? ceilingAt : undefined);
      status.replan(stepsOf(measurements, [], lifecycle, warmOff));
    }
    const offset = failed.size > 0 ? 0 : preflightServers.length;

    // 2. The schedule: measurements and ceiling slots, interleaved.
    const measured: Measured[] = [];
    for (const [i, m] of measurements.entries()) {
      measured.push(await measureStep(lifecycle, settings, m, status.say(offset + i), now));
      status.finish();
    }

    // 3. Summaries, the ceiling, warnings, the report.
    const cells = summarizeStep(settings, servers, measured);
    const ceilingRounds: Round[] = measured.filter((x) => x.m.ceiling).map((x) => x.outcome.round);
    const driverCeiling =
      ceilingAt && ceilingRounds.length > 0 ? ceilingFromSlots(ceilingRounds, ceilingAt.concurrency, cells) : ceilingFromFloorCells(cells);
    const warnings = warningsStep(settings, plan, preflight, cells, driverCeiling, lifecycle, lifecycle.warmups.slice(warmupsBefore));
    return reportStep(settings, plan, lifecycle, createdAt, {
      cells,
      comparisons: buildComparisons(cells, servers),
      preflight,
      warnings,
      driverCeiling,
    });
  } finally {
    stopTicks();
    await unguard();
  }
}
