// `compare --knee`: each server's knee under open-loop load, then both at fractions of it.
//
// 1. Pre-flight, as in compare.
// 2. Per server: one process kept up (WarmServers), warmed until steady (steady-warmup.ts, closed
//    loop), then the knee search of harness/analysis/knee.ts on it: short open-loop steps
//    (open-loop-driver.ts, latency from the intended send time) on the same server and driver,
//    the offered rate grown geometrically until a step does not keep up, then bisected.
// 3. The tables: every server at 50/75/90% of its own knee, and at 50/75/90% of the smallest knee
//    (the same absolute rates for all), in interleaved rounds on the same warm servers.
// The Report it returns has no compare cells: its `knee` section holds the search and the tables.
import { guardRun } from './run-guard.js';
import type { KneeRow, Preflight, Report, ServerName } from '../schema/report-schema.js';
import { formatMs, formatRate } from '../report/format.js';
import { must } from '../must.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, type CompareSettings } from './settings.js';
import { planCpus, type CpuPlan } from '../system/pinning.js';
import type { LiveServer, ServerLifecycle } from './lifecycle.js';
import { WarmServers } from './warm-servers.js';
import { DEFAULT_STEADY_WARMUP, describeWarmup, warmUntilSteady } from './steady-warmup.js';
import { reportStep, runPreflight, type Progress } from './compare.js';
import { formatSeconds } from './progress-clock.js';
import { achievedRate } from '../load/run-load.js';
import { decodeHistogram, latencySummary, spread } from '../analysis/stats.js';
import { pairedRatioInterval } from '../analysis/interval.js';
import { wordFactor } from '../analysis/factors.js';
import {
  DEFAULT_KNEE_RULE,
  expectedSteps,
  findKnee,
  tableRates,
  tableSchedule,
  type KneeRule,
  type KneeSearch,
  type StepFigures,
} from '../analysis/knee.js';

export interface KneeSettings {
  rule: KneeRule;
  /** Measured window of each step (search and tables). */
  stepMs: number;
  /** Unmeasured lead-in at the step's rate before its window (the driver connects, queues settle). */
  leadInMs: number;
  fractions: number[];
  /** Rounds of the tables. */
  rounds: number;
}

export const DEFAULT_KNEE_SETTINGS: KneeSettings = {
  rule: DEFAULT_KNEE_RULE,
  stepMs: 2000,
  leadInMs: 500,
  fractions: [0.5, 0.75, 0.9],
  rounds: 3,
};

export interface KneeRunOptions {
  /** Servers from here (a fake in tests); the caller closes it. Default: WarmServers. */
  lifecycle?: ServerLifecycle;
  preflight?: Preflight[];
  plan?: CpuPlan;
  now?: () => number;
}

/** A step's p99 in the progress lines; '-' when the step had no responses to take it from. */
const p99Text = (us: number) => (Number.isFinite(us) ? formatMs(us) : '-');

/** One open-loop load at `rate` on the warm server: its figures. */
async function measureAt(
  lifecycle: ServerLifecycle,
  live: LiveServer,
  settings: CompareSettings,
  knee: KneeSettings,
  rate: number,
  seed: number,
): Promise<StepFigures> {
  lifecycle.prepare(live);
  const { load } = await lifecycle.load(live, {
    mode: 'open',
    workload: must(settings.workloads[0], 'the one workload runKnee checked'),
    connections: live.concurrency,
    pipelining: settings.pipelining,
    rate,
    warmupMs: knee.leadInMs,
    durationMs: knee.stepMs,
    keys: settings.keys,
    valueSize: settings.valueSize,
    seed,
    // Past the knee the queue grows without bound: 2 s unanswered is failed, so a step ends soon.
    timeoutMs: settings.requestTimeoutMs ?? 2000,
  });
  const lat = latencySummary(decodeHistogram(load.histogram));
  return {
    offered: rate,
    achieved: achievedRate(load),
    p50Us: lat.p50Us,
    p99Us: load.latencyCount > 0 ? lat.p99Us : Number.POSITIVE_INFINITY,
    p999Us: lat.p999Us,
    successRate: load.requests > 0 ? load.expected / load.requests : 0,
    requests: load.requests,
  };
}

/** Time left, from the mean step so far and the steps still planned. */
class KneeClock {
  private stepsDone = 0;
  private stepMsTotal = 0;
  constructor(private readonly now: () => number) {}
  timed<T>(f: () => Promise<T>): Promise<T> {
    const t = this.now();
    return f().finally(() => {
      this.stepsDone++;
      this.stepMsTotal += this.now() - t;
    });
  }
  left(stepsLeft: number, warmupsLeft: number, prior: { stepMs: number; warmupMs: number }): string {
    const perStep = this.stepsDone > 0 ? this.stepMsTotal / this.stepsDone : prior.stepMs;
    return formatSeconds((stepsLeft * perStep + warmupsLeft * prior.warmupMs) / 1000);
  }
}

function row(server: ServerName, fraction: number, offered: number, figures: StepFigures[]): KneeRow {
  return {
    server,
    fraction,
    offered,
    achieved: spread(figures.map((f) => f.achieved)),
    p50Us: spread(figures.map((f) => f.p50Us)),
    p99Us: spread(figures.map((f) => f.p99Us)),
    p999Us: spread(figures.map((f) => f.p999Us)),
    successRate: spread(figures.map((f) => f.successRate)),
    roundsP99Us: figures.map((f) => f.p99Us),
  };
}

/** Each server's knee, the two tables, as a Report with a `knee` section. */
export async function runKnee(
  settings: CompareSettings,
  knee: KneeSettings,
  progress: Progress = () => {},
  options: KneeRunOptions = {},
): Promise<Report> {
  const [concurrency] = settings.concurrency;
  const [workload] = settings.workloads;
  if (concurrency === undefined || settings.concurrency.length !== 1)
    throw new Error(
      `--knee measures at one concurrency (the open loop's connections); got ${settings.concurrency.join(',')}. Pick one, e.g. -c 50.`,
    );
  if (workload === undefined || settings.workloads.length !== 1)
    throw new Error(`--knee measures one workload; got ${settings.workloads.join(',')}. Pick one, e.g. --workload get.`);
  if (settings.servers.includes('floor'))
    throw new Error(
      '--knee measures servers with a database; leave floor out of --servers (it has no knee worth finding: it only shows the driver).',
    );
  const createdAt = new Date().toISOString();
  const now = options.now ?? Date.now;
  const plan = options.plan ?? planCpus(settings.pin);
  const owned = !options.lifecycle;
  const lifecycle = options.lifecycle ?? new WarmServers(settings, plan, settings.steady ?? DEFAULT_STEADY_WARMUP);
  const unguard = guardRun(lifecycle, plan, { pinSelf: owned, owned });
  try {
    const preflight = options.preflight ?? (await runPreflight(settings, progress));
    const failed = new Set(preflight.filter((p) => !p.ok).map((p) => p.server));
    const servers = settings.servers.filter((s) => !failed.has(s));
    const clock = new KneeClock(now);
    const prior = {
      stepMs: knee.leadInMs + knee.stepMs + 700,
      warmupMs: Math.min(lifecycle.steady.maxMs, 5 * (lifecycle.steady.sliceMs + 400)),
    };
    const tableSteps = servers.length * knee.fractions.length * 2 * knee.rounds;
    let guess = 20_000;
    const say = (line: string, stepsLeft: number, warmupsLeft: number) =>
      progress(`knee: ${line}; ~${clock.left(stepsLeft, warmupsLeft, prior)} left\n`);

    // 1. Per server: warm until steady, then the search.
    const searches: Array<{ server: ServerName; live: LiveServer; search: KneeSearch }> = [];
    for (const [si, server] of servers.entries()) {
      const laterSteps = (servers.length - si - 1) * expectedSteps(knee.rule, guess) + tableSteps;
      const live = await lifecycle.acquire(server, concurrency);
      if (live.cold && lifecycle.steady.maxMs > 0) {
        const warmup = await warmUntilSteady(
          lifecycle,
          live,
          lifecycle.steady,
          {
            mode: 'closed',
            workload: lifecycle.warmupOn ?? workload,
            connections: concurrency,
            pipelining: settings.pipelining,
            keys: settings.keys,
            valueSize: settings.valueSize,
            seed: (settings.seed ?? 1) + 1000,
            timeoutMs: settings.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
          },
          (s) =>
            say(
              `${server} warming up until steady: slice ${s.slice}, ${Number.isFinite(s.cpuPerRequestUs) ? `${Math.round(s.cpuPerRequestUs)} µs CPU/request` : 'no requests'}`,
              expectedSteps(knee.rule, guess) + laterSteps,
              servers.length - si - 1,
            ),
          now,
        );
        lifecycle.warmups.push(warmup);
      }
      live.cold = false;
      const planned = expectedSteps(knee.rule, guess);
      let searchSteps = 0;
      const search = await findKnee(
        (rate, phase) => {
          say(
            `${server} ${phase} step ${searchSteps + 1}: offering ${formatRate(rate)} req/s`,
            Math.max(1, planned - searchSteps) + laterSteps,
            servers.length - si - 1,
          );
          return clock.timed(() => measureAt(lifecycle, live, settings, knee, rate, (settings.seed ?? 1) + 10 * searchSteps));
        },
        knee.rule,
        (step) => {
          searchSteps++;
          say(
            `${server} ${step.phase} step ${searchSteps}: offered ${formatRate(step.offered)}, achieved ${formatRate(step.achieved)} req/s, p99 ${p99Text(step.p99Us)} -> ${step.ok ? 'keeps up' : `not (${step.reasons.join('; ')})`}`,
            Math.max(0, planned - searchSteps) + laterSteps,
            servers.length - si - 1,
          );
        },
      );
      if (search.knee) guess = search.knee.offered;
      progress(
        `knee: ${server}: ${search.knee ? `knee ${search.capped ? 'at least ' : ''}${formatRate(search.knee.offered)} req/s, p99 there ${p99Text(search.knee.p99Us)}` : 'no knee found: the first step did not keep up'}\n`,
      );
      searches.push({ server, live, search });
    }
    {
      // 2. The tables, interleaved.
      const points = tableRates(
        searches.map((s) => ({ server: s.server, knee: s.search.knee?.offered ?? null })),
        knee.fractions,
      );
      const order = tableSchedule(points, servers, knee.rounds);
      const figures = new Map<string, StepFigures[]>();
      for (const [i, m] of order.entries()) {
        const live = searches.find((s) => s.server === m.server)!.live;
        progress(
          `knee: tables [${i + 1}/${order.length}] round ${m.round}, ${m.server} at ${formatRate(m.rate)} req/s; ~${clock.left(order.length - i, 0, prior)} left\n`,
        );
        const f = await clock.timed(() => measureAt(lifecycle, live, settings, knee, m.rate, (settings.seed ?? 1) + 100 * m.round));
        const key = `${m.server}|${m.rate}`;
        figures.set(key, [...(figures.get(key) ?? []), f]);
      }
      const rowsOf = (basis: 'own' | 'equal') =>
        points.filter((p) => p.basis === basis).map((p) => row(p.server, p.fraction, p.rate, figures.get(`${p.server}|${p.rate}`) ?? []));
      const ownKnee = rowsOf('own');
      const equalRate = rowsOf('equal');
      // Equal rates: p99 of each server against the first one's, round by round (paired).
      const baseline = servers[0];
      for (const r of equalRate) {
        if (r.server === baseline) continue;
        const b = equalRate.find((x) => x.server === baseline && x.fraction === r.fraction);
        // Latency: "better" is lower, so the factor is baseline / candidate (as compare words it).
        if (b) r.p99VsBaseline = `${wordFactor('p99Us', pairedRatioInterval(b.roundsP99Us, r.roundsP99Us))} vs ${baseline}`;
      }

      // 3. Rows check (cumulative over each server's life), warnings, the report.
      const warnings: string[] = [];
      for (const p of preflight) if (!p.ok) warnings.push(`${p.server} failed pre-flight and was not benchmarked: ${p.mismatch}`);
      if (plan.note && settings.pin) warnings.push(`CPU pinning is off: ${plan.note}. Driver and servers compete for the same CPUs.`);
      for (const s of searches) {
        const rows = await lifecycle.release(s.live);
        if (rows && !rows.ok)
          warnings.push(
            `${s.server}: rows in the database (${rows.actualRows}) do not match the acknowledged writes (${rows.expectedRows}).`,
          );
        if (!s.search.knee)
          warnings.push(
            `${s.server}: no knee found, its first step (${formatRate(knee.rule.startRate)} req/s) did not keep up; lower --knee-start.`,
          );
        if (s.search.capped)
          warnings.push(
            `${s.server}: every step up to --knee-max kept up; its knee is at least ${formatRate(s.search.knee!.offered)} req/s.`,
          );
      }
      for (const w of lifecycle.warmups) if (!w.steady) warnings.push(describeWarmup(w));
      if (knee.rounds < 3)
        warnings.push(
          `The tables have ${knee.rounds} round${knee.rounds === 1 ? '' : 's'} per row: too few for an interval, so no p99 difference is called.`,
        );
      warnings.push(
        'The knee search has one step per rate: a noisy step can stop the growth early (the knee is then low, not high). The driver ceiling was not measured in this mode.',
      );
      const report = reportStep(
        { ...settings, rounds: knee.rounds, durationMs: knee.stepMs, warmupMs: knee.leadInMs },
        plan,
        lifecycle,
        createdAt,
        { cells: [], comparisons: [], preflight, warnings, driverCeiling: undefined },
      );
      report.setup.driver.name = 'mkvss-open-loop (node:net, intended-send-time latency)';
      report.setup.driver.version = '1';
      report.knee = {
        workload,
        concurrency,
        stepMs: knee.stepMs,
        leadInMs: knee.leadInMs,
        rule: { ...knee.rule },
        servers: searches.map((s) => ({
          server: s.server,
          kneeRate: s.search.knee?.offered ?? Number.NaN,
          kneeP99Us: s.search.knee?.p99Us ?? Number.NaN,
          firstBadRate: s.search.firstBad?.offered ?? Number.NaN,
          capped: s.search.capped,
          steps: s.search.steps.map((st) => ({
            ...st,
            p99Us: Number.isFinite(st.p99Us) ? st.p99Us : Number.NaN,
            reasons: [...st.reasons],
          })),
        })),
        fractions: [...knee.fractions],
        rounds: knee.rounds,
        ownKnee,
        equalRate,
      };
      return report;
    }
  } finally {
    await unguard();
  }
}
