// What one `compare` run measures. The CLI builds this from its flags; the gate builds its own.
import type { ServerName, Setup } from '../schema/report-schema.js';
import type { ClosedLoopDriverName } from '../load/drivers.js';

export const SERVER_NAMES: readonly ServerName[] = ['sync', 'async', 'reference', 'floor'];

/** The plan fields are the report's Setup fields (the report records exactly what was asked). */
type PlanFields = 'servers' | 'workloads' | 'concurrency' | 'durationMs' | 'warmupMs' | 'rounds' | 'keys' | 'valueSize' | 'pipelining' | 'rate' | 'command';

export interface CompareSettings extends Pick<Setup, PlanFields> {
  /** Pin the driver and the servers to disjoint CPUs (when there are two or more). */
  pin: boolean;
  label?: string;
  /** Measure the driver alone against the floor server when the floor is not among the servers. */
  measureDriverCeiling: boolean;
  /** Extra environment per server kind (the gate's fault injection, MKVSS_FAULT_DELAY_US). */
  serverEnv?: Partial<Record<ServerName, Record<string, string>>>;
  /** Per-second "seconds left" progress lines (for a terminal that redraws one line). */
  progressTicks?: boolean;
  /** A request unanswered for this long is a timeout. */
  requestTimeoutMs?: number;
  /** Closed-loop load driver (harness/load/drivers.ts); default 'net'. */
  driver?: ClosedLoopDriverName;
  /** Seeds the random keys of the request lists (the same for every server in a round). */
  seed?: number;
}

export const DEFAULT_COMPARE_SETTINGS: CompareSettings = {
  servers: ['sync', 'async'],
  workloads: ['get'],
  concurrency: [50],
  durationMs: 10_000,
  warmupMs: 2_000,
  rounds: 3,
  keys: 10_000,
  valueSize: 64,
  pipelining: 1,
  pin: true,
  command: '',
  measureDriverCeiling: true,
};
