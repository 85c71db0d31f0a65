// What the harness and a load-driver process say to each other over the IPC channel.
//
// parent -> driver: { type: 'spec', spec }        build the request lists, connect nothing yet
// driver -> parent: { type: 'built' }             lists ready
// parent -> driver: { type: 'go' }                every shard starts at once: warm-up, then measure
// driver -> parent: { type: 'measuring' }         the measured window starts now
// parent -> driver: { type: 'count' }             (any time in the window) how far are you?
// driver -> parent: { type: 'count', requests, responses }   cumulative since the window opened
// parent -> driver: { type: 'stop' }              end the window now (before durationMs is up)
// driver -> parent: { type: 'window-end' }        ... and ends now (CPU sampling stops here)
// driver -> parent: { type: 'done', result }      then it exits
// driver -> parent: { type: 'error', message }
import type { WorkloadName } from '../schema/report-schema.js';

/** Which closed-loop driver sends the load (harness/load/drivers.ts). */
export type ClosedLoopDriverName = 'net' | 'autocannon' | 'wrk';

export interface DriverSpec {
  mode: 'closed' | 'open';
  /** Closed loop only; default 'net'. */
  driver?: ClosedLoopDriverName;
  host: string;
  port: number;
  workload: WorkloadName;
  /** This shard's connections. */
  connections: number;
  pipelining: number;
  /** Open loop: this shard's offered rate, req/s. */
  rate?: number;
  warmupMs: number;
  durationMs: number;
  keys: number;
  valueSize: number;
  /** Seeds the key choice, so a run's request lists are reproducible. */
  seed: number;
  /** Index of this driver process (crud keys are unique per shard and connection). */
  shard: number;
  /** The floor server answers a canned 200 to everything: expect 200 from every request. */
  cannedOk?: boolean;
  /** A request without an answer after this long counts as a timeout. */
  timeoutMs: number;
  /** Test only: the driver burns its CPU in busy loops of busyMs every everyMs (to show the
   *  driver-lag verdict firing). */
  starve?: { busyMs: number; everyMs: number };
}

export interface ShardResult {
  /** Requests that completed or failed inside the window. */
  requests: number;
  responses: number;
  /** Open loop: of `responses`, those that arrived by the end of the window. A request due inside
   *  the window may be answered in the grace period after it (its latency counts its lateness),
   *  but an answer after the window is not throughput the server sustained in it. Absent: all. */
  responsesByWindowEnd?: number;
  expected: number;
  unexpectedStatus: Record<string, number>;
  timeouts: number;
  connectionErrors: number;
  other: Record<string, number>;
  creates: number;
  deletes: number;
  writesAcknowledged: number;
  /** Encoded HDR histogram of response latencies, µs (every response, any status). */
  histogram: string;
  latencySumUs: number;
  latencyCount: number;
  windowMs: number;
  /** Whole run (warm-up included): acknowledged creates minus acknowledged deletes. */
  netCreates: number;
  /** Creates / deletes sent whose answer never came (in flight at the stop, dropped connection). */
  uncertainCreates: number;
  uncertainDeletes: number;
  /** The driver's event-loop delay over the window beyond its sampling interval, µs (99th
   *  percentile and max): how long a response could sit unread because the driver was busy. */
  loopDelayP99Us: number;
  loopDelayMaxUs: number;
  /** Open loop: 99th percentile of how late requests were released to their connection after
   *  their due time, µs (timer and event-loop lateness; null for a closed loop). */
  sendLagP99Us: number | null;
}

/** 'count' and 'stop' are for the continuous warm-up (steady-warmup.ts): the parent cuts one
 *  long load into slices by asking for counts, and ends it as soon as the server is steady. Only
 *  the net driver answers them (DRIVERS_WITH_PROGRESS). */
export type ParentMessage = { type: 'spec'; spec: DriverSpec } | { type: 'go' } | { type: 'count' } | { type: 'stop' };
/** A driver's cumulative counts since its window opened (requests: answered or failed). */
export interface DriverCount {
  requests: number;
  responses: number;
}
export type DriverMessage =
  | { type: 'built' }
  | { type: 'measuring' }
  /** `driverCpuPct`: the driver's own CPU figure for the window, when the sampler cannot see it
   *  (wrk-driver: wrk has exited, and left /proc, by the time the window ends). */
  | { type: 'window-end'; driverCpuPct?: number }
  | ({ type: 'count' } & DriverCount)
  | { type: 'done'; result: ShardResult }
  | { type: 'error'; message: string };
