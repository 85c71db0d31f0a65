// What one `compare` run measures. The CLI builds this from its flags; the gate builds its own.
import type { ServerName, Setup } from '../schema/report-schema.js';
import { SERVER_KINDS } from '../../servers/server-kinds.js';
import { DEFAULT_STEADY_WARMUP, type SteadyWarmup } from './steady-warmup.js';
import type { ClosedLoopDriverName } from '../load/drivers.js';

/** Every server `compare` can run: the server kinds, in one list (servers/server-kinds.ts). */
export const SERVER_NAMES: readonly ServerName[] = SERVER_KINDS;

/** A server that already runs elsewhere (`compare --target NAME=http://HOST:PORT`). */
export interface RemoteTarget {
  name: ServerName;
  /** As given, normalised to http://HOST:PORT. */
  url: string;
  host: string;
  port: number;
}

/** The plan fields are the report's Setup fields (the report records exactly what was asked). */
type PlanFields =
  | 'servers'
  | 'workloads'
  | 'concurrency'
  | 'durationMs'
  | 'warmupMs'
  | 'rounds'
  | 'keys'
  | 'valueSize'
  | 'pipelining'
  | 'rate'
  | 'syncPrewarm'
  | 'command';

export interface CompareSettings extends Pick<Setup, PlanFields> {
  /** Pin the driver and the servers to disjoint CPUs (when there are two or more). */
  pin: boolean;
  label?: string;
  /** Measure the driver alone against the floor server when the floor is not among the servers. */
  measureDriverCeiling: boolean;
  /** Where servers come from: a fresh process per measurement (default), or one per (server,
   *  concurrency) kept up across rounds. Chosen once per run (lifecycle.ts). */
  lifecycle?: 'fresh' | 'kept';
  /** Before it is measured, a cold server is loaded in slices until its CPU per request is steady
   *  (steady-warmup.ts); `maxMs: 0` turns this off. Default DEFAULT_STEADY_WARMUP. */
  steady?: SteadyWarmup;
  /** Extra environment per server kind (the gate's fault injection, MKVSS_FAULT_DELAY_US). */
  serverEnv?: Partial<Record<ServerName, Record<string, string>>>;
  /** Per-second progress lines (for a terminal that redraws one line). */
  progressTicks?: boolean;
  /** A request unanswered for this long is a timeout. Default DEFAULT_REQUEST_TIMEOUT_MS. */
  requestTimeoutMs?: number;
  /** Closed-loop load driver (harness/load/drivers.ts); default 'net'. */
  driver?: ClosedLoopDriverName;
  /** Seeds the random keys of the request lists (the same for every server in a round). */
  seed?: number;
  /** Remote targets instead of local servers (`servers` then holds their names): a run is either
   *  all local or all remote (remote-servers.ts). */
  targets?: RemoteTarget[];
}

/** A load driver's request timeout when the settings give none (compare, the knee's warm-up, the
 *  cross-validation bench); the knee's open-loop steps use a shorter one of their own (run/knee.ts). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

export const DEFAULT_COMPARE_SETTINGS: CompareSettings = {
  servers: ['sync', 'async'],
  workloads: ['get'],
  concurrency: [50],
  // 4 rounds of 5 s after a warm-up until steady of at most 12 s: at most ~3 minutes for sync vs
  // async at one concurrency on a 2-core machine (docs/HARNESS.md has the arithmetic and a run).
  durationMs: 5_000,
  warmupMs: 500,
  rounds: 4,
  keys: 10_000,
  valueSize: 64,
  pipelining: 1,
  pin: true,
  command: '',
  measureDriverCeiling: true,
  lifecycle: 'fresh',
  steady: { ...DEFAULT_STEADY_WARMUP, maxMs: 12_000 },
};
