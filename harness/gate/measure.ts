// The gate's "measure" step: one real comparison run (harness/compare.ts) of sync, async and the
// floor server, interleaved, for the workloads and rounds the gate asks for. The servers stay up
// from one step to the next (warm-servers.ts): each is warmed up once, until its CPU per request
// is steady, so the rounds measure the server and not how far its JIT has got.
import type { Cell, Preflight, Report, ServerName, WorkloadName } from '../schema/report-schema.js';
import { DEFAULT_COMPARE_SETTINGS, type CompareSettings } from '../run/settings.js';
import { runComparison, runPreflight } from '../run/compare.js';
import { planCpus } from '../system/pinning.js';
import { DEFAULT_STEADY_WARMUP, WarmServers } from '../run/warm-servers.js';
import type { Measure } from './loop.js';
import type { GateMeasureSettings } from './baseline.js';

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

/**
 * The measure step of an A/B gate (`gate --against <ref>`): this checkout's servers and the base
 * build's, each kept up and warmed up for the same fixed time, measured back to back per server and workload
 * in alternating order (this, base; base, this; ...), so drift of the machine between runs (on
 * this VM it moved the floor-normalised figures by up to 40%) cancels out. Faults apply to this
 * checkout's servers only. Returns one Report per step whose base cells carry `build: 'base'`
 * (see extractAbMetrics).
 */
export function abMeasure(
  settings: GateMeasureSettings,
  faults: FaultDelays,
  baseCli: string,
  progress: (line: string) => void,
): GateMeasurer {
  let pools: { head: WarmServers; base: WarmServers; headPreflight: Preflight[] } | undefined;
  let roundsSoFar = 0;
  const close = async () => {
    const p = pools;
    pools = undefined;
    if (!p) return;
    try {
      await p.head.close();
    } finally {
      await p.base.close();
    }
  };
  // Every server of both builds gets the same warm-up load (fixed, not until steady): the builds
  // are compared with each other, and a stopping rule that ends each at its own first steady slice
  // would leave one JIT further along than the other (steady-warmup.ts, `fixed`).
  const steady = { ...DEFAULT_STEADY_WARMUP, maxMs: settings.settleMs ?? DEFAULT_STEADY_WARMUP.maxMs, fixed: true };
  return {
    measure: async (request) => {
      progress(
        `gate: measuring ${AB_SERVERS.join(', ')} of this checkout and of the base on ${request.workloads.join(', ')}, ${request.rounds} round(s) of ${settings.durationMs} ms each\n`,
      );
      const forPool = (f: FaultDelays, workloads: CompareSettings['workloads']) => ({
        ...gateCompareSettings(settings, workloads, 1, f),
        servers: AB_SERVERS,
      });
      if (!pools) {
        const plan = planCpus(true);
        const base = new WarmServers(forPool({}, settings.workloads), plan, steady, progress, baseCli, 'base');
        // The base is what this checkout is measured against, not what is under test: its
        // answers are not pre-flighted (this checkout's are, on the first step).
        const head = new WarmServers(forPool(faults, settings.workloads), plan, steady, progress, undefined, 'this');
        const headPreflight = await runPreflight(forPool(faults, settings.workloads), progress);
        pools = { head, base, headPreflight };
      }
      const { head, base, headPreflight } = pools;
      try {
        const cells = new Map<string, Cell>();
        let first: Report | undefined;
        const warnings = new Set<string>();
        // The finest interleave: each server and workload is measured in both builds back to
        // back (~2 s apart), the order flipping every time. The VM's speed was seen to shift
        // within seconds; whole-round blocks (~9 s apart) paired far worse.
        const steps: Array<{ round: number; workload: WorkloadName; server: ServerName; headFirst: boolean; rate?: number }> = [];
        for (let r = 1; r <= request.rounds; r++) {
          const round = roundsSoFar + r;
          const pairs = request.workloads.flatMap((workload) => AB_SERVERS.map((server) => ({ workload, server })));
          // Each pair's order flips from one round to the next, and neighbours differ within one.
          pairs.forEach((p, i) => {
            steps.push({ round, ...p, headFirst: (round + i) % 2 === 1 });
          });
        }
        // The waiting probe (first step only: extensions are for noisy closed-loop rows): the same
        // back-to-back pairs at a fixed open-loop rate, below both builds' limits, where a server
        // that waits shows in its tail even when it burns no CPU and the closed loop hides it.
        const probeRate = settings.probeRate ?? 0;
        if (probeRate > 0 && settings.probeWorkload && roundsSoFar === 0) {
          for (let r = 1; r <= request.rounds; r++) {
            for (const [i, server] of AB_SERVERS.entries())
              steps.push({
                round: roundsSoFar + r,
                workload: settings.probeWorkload!,
                server,
                headFirst: (r + i) % 2 === 0,
                rate: probeRate,
              });
          }
        }
        for (const { round, workload, server, headFirst, rate } of steps) {
          for (const pool of headFirst ? [head, base] : [base, head]) {
            const report = await runComparison(
              { ...forPool(pool === head ? faults : {}, [workload]), servers: [server], ...(rate ? { rate } : {}) },
              () => {},
              { lifecycle: pool, preflight: pool === head ? headPreflight : [] },
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
        }
        roundsSoFar += request.rounds;
        return {
          ...first!,
          setup: { ...first!.setup, servers: AB_SERVERS, rounds: request.rounds, warmServers: [...head.warmups, ...base.warmups] },
          cells: [...cells.values()],
          comparisons: [],
          preflight: headPreflight,
          warnings: [...warnings],
        };
      } catch (err) {
        await close().catch(() => {});
        throw err;
      }
    },
    close,
    kill: () => {
      pools?.head.kill();
      pools?.base.kill();
    },
  };
}
