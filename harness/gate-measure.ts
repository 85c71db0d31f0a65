// The gate's "measure" step: one real comparison run (harness/compare.ts) of sync, async and the
// floor server, interleaved, for the workloads and rounds the gate asks for.
import type { ServerName } from './report-schema.js';
import type { CompareSettings } from './compare-settings.js';
import { runComparison } from './compare.js';
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

export function compareMeasure(settings: GateMeasureSettings, faults: FaultDelays, progress: (line: string) => void): Measure {
  return async (request) => {
    progress(`gate: measuring ${GATE_SERVERS.join(', ')} on ${request.workloads.join(', ')}, ${request.rounds} round(s) of ${settings.durationMs} ms\n`);
    return runComparison(gateCompareSettings(settings, request.workloads, request.rounds, faults));
  };
}
