// The one interface between a `compare` run and the servers it measures (hyperfine's Executor is
// the model): where a live server comes from, how load is put on it, and what is checked when it
// is given back. Four implementations, chosen once per run:
//
// - FreshServers (fresh-servers.ts): a new process on a fresh copy of the preloaded database for
//   every measurement, stopped after it. The default: variance between processes is real variance.
// - WarmServers (warm-servers.ts): one process per (server, concurrency), kept up across rounds
//   (the gate's mode).
// - RemoteServers (remote-servers.ts): servers that already run elsewhere (`--target`): no
//   process, no CPU sampling, no rows check; seeded over HTTP once.
// - FakeServers (fake-servers.ts): no processes at all; loads return synthetic outcomes, so the
//   schedule, the warm-up rule, the summaries and the verdicts are unit-tested without servers.
//
// The warm-up until steady and the measurement itself are the scheduler's (compare.ts), written
// once against this interface.
import type { ServerName, WorkloadName } from '../schema/report-schema.js';
import type { DriverSpec } from '../load/driver-protocol.js';
import type { LoadOutcome, WindowHooks } from '../load/run-load.js';
import type { ProcUsage } from '../system/proc-sampler.js';
import type { PreflightAnswer } from './preflight.js';
import type { SteadyWarmup, WarmupRecord } from './steady-warmup.js';

/** A server ready for load. */
export interface LiveServer {
  server: ServerName;
  concurrency: number;
  /** Where the driver connects: 127.0.0.1 for a server the lab started, the target's host else. */
  host: string;
  port: number;
  /** Its process id; null for a remote target (not ours to sample or stop). */
  pid: number | null;
  /** Its database; null for the floor (no database). */
  db: string | null;
  /** True when it has not been warmed up yet (just started): the scheduler warms it until steady. */
  cold: boolean;
}

/** The rows-written check after a measurement. `cumulative`: it covers the server's whole life (a
 *  server kept up across rounds), not this measurement alone. */
export interface RowsCheck {
  expectedRows: number;
  actualRows: number;
  ok: boolean;
  cumulative?: boolean;
}

/** One load's figures: the driver's count and the server's CPU, RSS and threads over the window. */
export interface LoadResult {
  load: LoadOutcome;
  server: ProcUsage;
}

export type LoadRequest = Omit<DriverSpec, 'shard' | 'host' | 'port' | 'cannedOk'>;

/** One slice of a load in slices: what the driver counted over it and the server's CPU over it. */
export interface LoadSlice {
  /** Requests answered or failed in this slice. */
  requests: number;
  /** Server CPU time over this slice, µs (all its threads and processes). */
  serverCpuUs: number;
  /** Since the load's window opened, ms. */
  elapsedMs: number;
}

/** A load cut into slices of `everyMs` (the continuous warm-up): `onSlice` hears each one as it
 *  ends and answers true to end the load there (else it runs its durationMs). Net driver only. */
export interface SlicedLoad {
  everyMs: number;
  onSlice(slice: LoadSlice): boolean;
}

export interface ServerLifecycle {
  /** 'fresh', 'kept', 'remote' or 'fake': recorded in the report's setup. */
  readonly kind: 'fresh' | 'kept' | 'remote' | 'fake';
  /** How a cold server is warmed up before it is measured. */
  readonly steady: SteadyWarmup;
  /** The workload a cold server warms up on, when the lifecycle has its own (a kept server is
   *  measured on several workloads later: it warms up on the most complete one). Default: the
   *  workload about to be measured. */
  readonly warmupOn?: WorkloadName;
  /** Warm-ups run against this lifecycle's servers so far (the scheduler appends). */
  readonly warmups: WarmupRecord[];
  /** The scripted pre-flight against `server` on an empty database: its answers and the rows it
   *  left behind (the script deletes what it writes). */
  preflight(server: ServerName): Promise<{ answers: PreflightAnswer[]; rowsLeft: number }>;
  /** What acquiring `server` will do beyond the usual start, for the progress line (a remote
   *  target's one-off seeding over HTTP); undefined for nothing special. */
  acquireNote?(server: ServerName): string | undefined;
  /** A server for a measurement at `concurrency` connections. */
  acquire(server: ServerName, concurrency: number): Promise<LiveServer>;
  /** Right before each load (warm-up or measurement): e.g. a kept server's WAL emptied. */
  prepare(live: LiveServer): void;
  /** One load against `live`, its CPU sampled over the measured window; with `slices`, also cut
   *  into slices (each with its own server CPU) and possibly ended early. Either way its writes
   *  go into the server's rows check. */
  load(live: LiveServer, request: LoadRequest, hooks?: Partial<WindowHooks>, slices?: SlicedLoad): Promise<LoadResult>;
  /** After the measurement: a fresh server is stopped (it must exit 0) and its rows counted
   *  against every write its loads acknowledged (warm-up included); a kept one stays up and its
   *  check is cumulative. Null: nothing to check (the floor). `onPhase` hears when each step starts. */
  release(live: LiveServer, onPhase?: (phase: 'stopping' | 'checking rows') => void): Promise<RowsCheck | null>;
  /** Stops whatever is still up (each must exit 0) and removes the databases. */
  close(): Promise<void>;
  /** After a signal: SIGKILL everything at once. */
  kill(): void;
}
