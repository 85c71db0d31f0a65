// The gate's "measure" step: one real comparison run (harness/compare.ts) of sync, async and the
// floor server, interleaved, for the workloads and rounds the gate asks for. The servers stay up
// from one step to the next (warm-servers.ts): each is warmed up once, until its CPU per request
// is steady, so the rounds measure the server and not how far its JIT has got.
import type { ServerName } from './report-schema.js';
import type { CompareSettings } from './compare-settings.js';
import { runComparison } from './compare.js';
import { planCpus } from './pinning.js';
import { DEFAULT_STEADY_WARMUP, WarmServers } from './warm-servers.js';
import type { Measure } from './gate.js';
import type { GateMeasureSettings } from './gate-baseline.js';
import { FAULT_DELAY_ENV } from '../servers/kv/fault.js';

/** TEST ONLY: per server kind, microseconds each request busy-waits (MKVSS_FAULT_DELAY_US). */
export type FaultDelays = Partial<Record<ServerName, number>>;

/** The servers the gate measures; the floor is the yardstick every ratio is taken against. */
export const GATE_SERVERS: ServerName[] = ['sync', 'async', 'floor'];

export function gateCompareSettings(settings: GateMeasureSettings, workloads: CompareSettings['workloads'], rounds: number, faults: FaultDelays): CompareSettings {
  const serverEnv: CompareSettings['serverEnv'] = {};
  for (const [server, micros] of Object.entries(faults) as [ServerName, number][]) serverEnv[server] = { [FAULT_DELAY_ENV]: String(micros) };
  return {
    servers: GATE_SERVERS,
    workloads,
    concurrency: [settings.concurrency],
    durationMs: settings.durationMs,
    warmupMs: settings.warmupMs,
    rounds,
    keys: 10_000,
    valueSize: 64,
    pipelining: 1,
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
}

export function compareMeasure(settings: GateMeasureSettings, faults: FaultDelays, progress: (line: string) => void): GateMeasurer {
  let warm: WarmServers | undefined;
  const close = async () => {
    const w = warm;
    warm = undefined;
    await w?.close();
  };
  return {
    measure: async (request) => {
      progress(`gate: measuring ${GATE_SERVERS.join(', ')} on ${request.workloads.join(', ')}, ${request.rounds} round(s) of ${settings.durationMs} ms\n`);
      const compare = gateCompareSettings(settings, request.workloads, request.rounds, faults);
      // Warm-up load uses the gate's full workload list (mixed covers every route measured).
      const steady = { ...DEFAULT_STEADY_WARMUP, maxMs: settings.settleMs ?? DEFAULT_STEADY_WARMUP.maxMs };
      warm ??= new WarmServers(gateCompareSettings(settings, settings.workloads, request.rounds, faults), planCpus(compare.pin), steady, progress);
      try {
        return await runComparison(compare, () => {}, warm);
      } catch (err) {
        // A failed step may leave a server in an unknown state: the retry starts from scratch.
        await close().catch(() => {});
        throw err;
      }
    },
    close,
  };
}
