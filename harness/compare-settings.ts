// What one `compare` run measures. The CLI builds this from its flags; the gate builds its own.
import type { ServerName, WorkloadName } from './report-schema.js';

export const SERVER_NAMES: readonly ServerName[] = ['sync', 'async', 'reference', 'floor'];

export interface CompareSettings {
  servers: ServerName[];
  workloads: WorkloadName[];
  /** One measurement per value; several make a sweep. */
  concurrency: number[];
  durationMs: number;
  warmupMs: number;
  rounds: number;
  /** Keys preloaded into every fresh database (k0 .. k{keys-1}). */
  keys: number;
  valueSize: number;
  pipelining: number;
  /** Open loop at this offered rate (req/s, all connections together), latency CO-corrected. */
  rate?: number;
  /** Pin the driver and the servers to disjoint CPUs (when there are two or more). */
  pin: boolean;
  label?: string;
  /** The command line as typed, recorded in the report. */
  command: string;
  /** Measure the driver alone against the floor server when the floor is not among the servers. */
  measureDriverCeiling: boolean;
  /** Extra environment per server kind (the gate's fault injection, MKVSS_FAULT_DELAY_US). */
  serverEnv?: Partial<Record<ServerName, Record<string, string>>>;
  /** Per-second "seconds left" progress lines (for a terminal that redraws one line). */
  progressTicks?: boolean;
  /** A request unanswered for this long is a timeout. */
  requestTimeoutMs?: number;
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
