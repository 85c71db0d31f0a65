// The gate's "measure" step: one real comparison run (harness/compare.ts) of sync, async and the
// floor server, interleaved, for the workloads and rounds the gate asks for. The servers stay up
// from one step to the next (warm-servers.ts): each is warmed up once, until its CPU per request
// is steady, so the rounds measure the server and not how far its JIT has got.
import type { Cell, Preflight, Report, ServerName, WorkloadName } from '../schema/report-schema.js';
import { DEFAULT_COMPARE_SETTINGS, type CompareSettings } from '../run/settings.js';
import { runComparison, runPreflight, warmUp } from '../run/compare.js';
import { planCpus } from '../system/pinning.js';
import { DEFAULT_STEADY_WARMUP, WarmServers } from '../run/warm-servers.js';
import type { Measure } from './loop.js';
import type { GateMeasureSettings } from './baseline.js';
import { must } from '../must.js';

/** TEST ONLY: per server kind, the fault variables its processes get (servers/kv/fault.ts:
 *  MKVSS_FAULT_DELAY_US, MKVSS_FAULT_SLEEP_US, MKVSS_FAULT_SLEEP_EVERY). */
export type FaultDelays = Partial<Record<ServerName, Record<string, string>>>;

/** The servers the gate measures; the floor is the yardstick every ratio is taken against. */
export const GATE_SERVERS: ServerName[] = ['sync', 'async', 'floor'];

export function gateCompareSettings(
  settings: GateMeasureSettings,
  workloads: CompareSettings['workloads'],
  rounds: number,
  faults: FaultDelays,
): CompareSettings {
  const serverEnv: CompareSettings['serverEnv'] = { ...faults };
  return {
    servers: GATE_SERVERS,
    workloads,
    concurrency: [settings.concurrency],
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    rounds,
    // The database and request shape are compare's defaults: the gate measures the same load.
    keys: DEFAULT_COMPARE_SETTINGS.keys,
    valueSize: DEFAULT_COMPARE_SETTINGS.valueSize,
    pipelining: DEFAULT_COMPARE_SETTINGS.pipelining,
    pin: true,
    label: 'gate',
    command: ['gate', ...process.argv.slice(3)].join(' '),
    // The floor is measured as a server in every round already.
    measureDriverCeiling: false,
    serverEnv,
  };
}

/** The measure step plus the clean-up of the servers it keeps up between steps. */
export interface GateMeasurer {
  measure: Measure;
  /** Stops the live servers (each must exit 0) and removes their databases. */
  close(): Promise<void>;
  /** After a signal: kills the live servers at once. */
  kill(): void;
}

export function compareMeasure(settings: GateMeasureSettings, faults: FaultDelays, progress: (line: string) => void): GateMeasurer {
  let warm: WarmServers | undefined;
  // Pre-flight runs on the first step only: the servers stay the same.
  let preflight: Preflight[] | undefined;
  const close = async () => {
    const w = warm;
    warm = undefined;
    preflight = undefined;
    await w?.close();
  };
  return {
    measure: async (request) => {
      progress(
        `gate: measuring ${GATE_SERVERS.join(', ')} on ${request.workloads.join(', ')}, ${request.rounds} round(s) of ${settings.durationMs} ms\n`,
      );
      const compare = gateCompareSettings(settings, request.workloads, request.rounds, faults);
      // Warm-up load uses the gate's full workload list (mixed covers every route measured).
      const steady = { ...DEFAULT_STEADY_WARMUP, maxMs: settings.settleMs ?? DEFAULT_STEADY_WARMUP.maxMs };
      warm ??= new WarmServers(
        gateCompareSettings(settings, settings.workloads, request.rounds, faults),
        planCpus(compare.pin),
        steady,
        progress,
      );
      try {
        const report = await runComparison(compare, () => {}, { lifecycle: warm, ...(preflight ? { preflight } : {}) });
        preflight ??= report.preflight;
        return report;
      } catch (err) {
        // A failed step may leave a server in an unknown state: the retry starts from scratch.
        await close().catch(() => {});
        throw err;
      }
    },
    close,
    kill: () => warm?.kill(),
  };
}

/** The servers an A/B gate measures in both builds (no floor: the base build is the yardstick). */
export const AB_SERVERS: ServerName[] = ['sync', 'async'];

/** The order of the two builds in an A/B round, for its starts and its windows alike: this
 *  checkout first in odd rounds, the base first in even ones, so no build always goes first. */
export function buildsInOrder(round: number): ['this', 'base'] | ['base', 'this'] {
  return round % 2 === 1 ? ['this', 'base'] : ['base', 'this'];
}

/** One measurement of an A/B step: a server on a workload (at a fixed rate: the waiting probe),
 *  in both builds back to back, `headFirst` saying which goes first. */
interface AbStep {
  round: number;
  workload: WorkloadName;
  server: ServerName;
  headFirst: boolean;
  rate?: number;
}

/** The server processes of both builds that an A/B step measures. */
interface AbPools {
  head: WarmServers;
  base: WarmServers;
}

/**
 * The measure step of an A/B gate (`gate --against <ref>`, and the default gate against the
 * blessed commit): this checkout's servers and the base build's, each warmed up for the same fixed
 * time, measured back to back per server and workload in alternating order (this, base; base,
 * this; ...), so drift of the machine between measurements (on this VM it moved the
 * floor-normalised figures by up to 40%) cancels out. Faults apply to this checkout's servers only.
 *
 * Where the processes come from (`settings.processes`):
 * - 'per-round': every round starts a fresh process of each server in both builds, warms the pair
 *   alike, measures it and stops it. A round's ratio is then one process pair's, and the rounds'
 *   spread includes how much two processes of the same code differ, which here was 10-30% for a
 *   process's whole life (docs/GATE.md): an interval over kept processes' rounds did not cover it.
 * - 'kept': one process per build and server for the whole run (cheaper; rounds then sample the
 *   machine's noise, not the processes').
 *
 * Returns one Report per step whose base cells carry `build: 'base'` (see extractAbMetrics).
 */
export function abMeasure(
  settings: GateMeasureSettings,
  faults: FaultDelays,
  baseCli: string,
  progress: (line: string) => void,
): GateMeasurer {
  const perRound = settings.processes === 'per-round';
  let kept: AbPools | undefined;
  let live: AbPools[] = [];
  let headPreflight: Preflight[] | undefined;
  let roundsSoFar = 0;
  const closePools = async (p: AbPools) => {
    live = live.filter((x) => x !== p);
    try {
      await p.head.close();
    } finally {
      await p.base.close();
    }
  };
  const close = async () => {
    kept = undefined;
    for (const p of [...live]) await closePools(p);
  };
  // Every server of both builds gets the same warm-up load (fixed, not until steady): the builds
  // are compared with each other, and a stopping rule that ends each at its own first steady slice
  // would leave one JIT further along than the other (steady-warmup.ts, `fixed`).
  const steady = { ...DEFAULT_STEADY_WARMUP, maxMs: settings.settleMs ?? DEFAULT_STEADY_WARMUP.maxMs, fixed: true };
  const forPool = (f: FaultDelays, workloads: CompareSettings['workloads']) => ({
    ...gateCompareSettings(settings, workloads, 1, f),
    servers: AB_SERVERS,
  });
  const plan = planCpus(true);
  const openPools = (): AbPools => {
    const base = new WarmServers(forPool({}, settings.workloads), plan, steady, progress, baseCli, 'base');
    const head = new WarmServers(forPool(faults, settings.workloads), plan, steady, progress, undefined, 'this');
    const pools = { head, base };
    live.push(pools);
    return pools;
  };
  /**
   * Starts a fresh process of `server` in both builds and warms the two up at the same time, each
   * under its own load, for the same fixed time. Warmed one after the other, the first sat idle
   * while the second started and warmed (~10 s), and the idle one ran the 90/10 mix 20-45% slower
   * in its next window (A/A, round after round, whichever build it was: docs/GATE.md). Side by
   * side on the server's core, each gets about half of it, so the warm-up is twice the settle
   * time for about the same work as one server alone. (A kept pool warms on its own warm-up
   * workload, `mixed`, whatever `measured` says.)
   */
  const paired = { ...steady, maxMs: 2 * steady.maxMs };
  const warmTogether = async (pools: AbPools, server: ServerName, round: number) => {
    // The starts come one after the other: the build started first sits idle while the other
    // starts, and sync's warm start, bounded in time, gets what CPU the moment leaves it. Any such
    // asymmetry that every round has alike shifts every round's ratio alike, and the rounds'
    // interval cannot see it; so which build starts first flips with the round, as the windows'
    // order does (docs/GATE.md: with this checkout always started first, sync `get` read below
    // the base in 5 of 5 A/A runs, and one CI run failed it at 0.81, interval 0.77-0.86).
    const [first, second] = buildsInOrder(round)[0] === 'this' ? [pools.head, pools.base] : [pools.base, pools.head];
    const a = await first.acquire(server, settings.concurrency);
    const b = await second.acquire(server, settings.concurrency);
    const load = forPool({}, settings.workloads);
    const o = { measured: 'mixed' as const, round, rule: paired };
    await Promise.all([warmUp(first, a, load, o), warmUp(second, b, load, o)]);
  };
  return {
    measure: async (request) => {
      progress(
        `gate: measuring ${AB_SERVERS.join(', ')} of this checkout and of the base on ${request.workloads.join(', ')}, ${request.rounds} round(s) of ${settings.durationMs} ms each${perRound ? ', fresh processes every round' : ''}\n`,
      );
      // The base is what this checkout is measured against, not what is under test: its answers
      // are not pre-flighted (this checkout's are, on the first step).
      headPreflight ??= await runPreflight(forPool(faults, settings.workloads), progress);
      const preflight = headPreflight;
      const cells = new Map<string, Cell>();
      let first: Report | undefined;
      const warnings = new Set<string>();
      const warmups: WarmServers['warmups'] = [];
      const runStep = async ({ head, base }: AbPools, { round, workload, server, headFirst, rate }: AbStep) => {
        for (const pool of headFirst ? [head, base] : [base, head]) {
          const report = await runComparison(
            { ...forPool(pool === head ? faults : {}, [workload]), servers: [server], ...(rate ? { rate } : {}) },
            () => {},
            { lifecycle: pool, preflight: pool === head ? preflight : [] },
          );
          first ??= report;
          for (const w of report.warnings) warnings.add(pool === base ? `base: ${w}` : w);
          for (const c of report.cells) {
            const tagged: Cell = {
              ...c,
              ...(pool === base ? { build: 'base' as const } : {}),
              rounds: c.rounds.map((x) => ({ ...x, round })),
            };
            const k = `${c.server}|${c.workload}|${c.concurrency}|${pool === base ? 'base' : 'this'}|${rate ?? 'closed'}`;
            const seen = cells.get(k);
            cells.set(k, seen ? { ...seen, rounds: [...seen.rounds, ...tagged.rounds] } : tagged);
          }
        }
      };
      // The waiting probe runs on the first step only (extensions are for noisy closed-loop rows):
      // the same back-to-back pairs at a fixed open-loop rate, below both builds' limits, where a
      // server that waits shows in its tail even when it burns no CPU and the closed loop hides it.
      const probeRate = settings.probeRate ?? 0;
      const probeWorkload = probeRate > 0 && roundsSoFar === 0 ? settings.probeWorkload : undefined;
      // A round's measurements of one server, each in both builds back to back (~2 s apart): its
      // workloads, then the probe. Who goes first is the mode's to say (below).
      const pairsOf = (round: number, server: ServerName): Array<Omit<AbStep, 'headFirst'>> => [
        ...request.workloads.map((workload) => ({ round, workload, server })),
        ...(probeWorkload ? [{ round, workload: probeWorkload, server, rate: probeRate }] : []),
      ];
      try {
        if (perRound) {
          for (let r = 1; r <= request.rounds; r++) {
            const round = roundsSoFar + r;
            // Which server goes first alternates too, so neither always follows the other's stop.
            const order = round % 2 === 1 ? AB_SERVERS : [...AB_SERVERS].reverse();
            for (const server of order) {
              const pools = openPools();
              try {
                await warmTogether(pools, server, round);
                // One order for the whole round, the starts' (it flips the next): the windows then
                // alternate strictly (A B A B ...), so each process waits one window between two
                // of its own.
                const headFirst = buildsInOrder(round)[0] === 'this';
                for (const pair of pairsOf(round, server)) await runStep(pools, { ...pair, headFirst });
              } finally {
                await closePools(pools);
              }
            }
          }
        } else {
          kept ??= openPools();
          // Kept processes: every server's steps of a round, then the next round's; the order flips
          // from one step to the next and from one round to the next. The VM's speed was seen to
          // shift within seconds; whole-round blocks (~9 s apart) paired far worse.
          for (let r = 1; r <= request.rounds; r++) {
            const round = roundsSoFar + r;
            for (const [i, server] of AB_SERVERS.entries()) {
              for (const [w, pair] of pairsOf(round, server).entries()) {
                const headFirst = pair.rate ? (round + i) % 2 === 0 : (round + i * request.workloads.length + w) % 2 === 1;
                await runStep(kept, { ...pair, headFirst });
              }
            }
          }
          warmups.push(...kept.head.warmups, ...kept.base.warmups);
        }
      } catch (err) {
        await close().catch(() => {});
        throw err;
      }
      roundsSoFar += request.rounds;
      const firstReport = must(first, 'an A/B step measured nothing');
      return {
        ...firstReport,
        setup: {
          ...firstReport.setup,
          servers: AB_SERVERS,
          rounds: request.rounds,
          // Per round, warm-ups are part of every round's cost (the loop projects extensions from it).
          ...(perRound ? { lifecycle: 'fresh' as const } : { lifecycle: 'kept' as const, warmServers: warmups }),
        },
        cells: [...cells.values()],
        comparisons: [],
        preflight,
        warnings: [...warnings],
      };
    },
    close,
    kill: () => {
      for (const p of live) {
        p.head.kill();
        p.base.kill();
      }
      live = [];
      kept = undefined;
    },
  };
}
