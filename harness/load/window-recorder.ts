// What a driver process counts during the measured window: latencies into an HDR histogram
// (µs), each response's status against the workload's expectation, writes, failures by kind, and
// whether the driver itself kept up: its event-loop delay over the window (perf_hooks), and for
// an open loop how late it released what it meant to send. A driver that falls behind adds its own
// queueing to every latency it measures; these two figures let the verdict see that happen.
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { DriverCount, DriverSpec, ShardResult } from './driver-protocol.js';
import { encodeHistogram, newLatencyHistogram } from '../analysis/stats.js';
import type { PlannedRequest } from './workloads.js';

/** How often the event-loop delay is sampled. perf_hooks records each sample as the full time
 *  between two timer runs, so this much is subtracted to leave the delay alone. */
export const LOOP_DELAY_RESOLUTION_MS = 5;

export class WindowRecorder {
  private readonly histogram = newLatencyHistogram();
  private latencySumUs = 0;
  responses = 0;
  expected = 0;
  readonly unexpectedStatus: Record<string, number> = {};
  timeouts = 0;
  connectionErrors = 0;
  readonly other: Record<string, number> = {};
  creates = 0;
  deletes = 0;
  writesAcknowledged = 0;
  // Whole-run tallies (warm-up included) for the rows-written check after the server stops.
  private runNetCreates = 0;
  private uncertainCreates = 0;
  private uncertainDeletes = 0;
  // The driver's own lag, over the window only.
  private loopDelay: IntervalHistogram | null = null;
  private windowOver = false;
  /** `responses` when the window ended (open loop: answers after it are late). */
  private responsesAtWindowEnd: number | null = null;
  private readonly sendLagHistogram = newLatencyHistogram();

  /** The measured window starts: event-loop delay sampling begins. A driver that never calls this
   *  gets it on the first response it records in the window. */
  windowStart(): void {
    if (this.loopDelay || this.windowOver) return;
    this.loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
    this.loopDelay.enable();
  }

  /** The measured window ends: sampling stops (otherwise it stops at result()). */
  windowEnd(): void {
    this.responsesAtWindowEnd ??= this.responses;
    this.windowOver = true;
    this.loopDelay?.disable();
  }

  /** Open loop: a request due at some time was released to its connection `lateMs` after it. */
  sendLag(lateMs: number): void {
    this.sendLagHistogram.recordValue(Math.max(1, Math.round(lateMs * 1000)));
  }

  /** Every response of the run, window or not: acknowledged creates and deletes change the rows. */
  acknowledge(request: Pick<PlannedRequest, 'expect' | 'write'>, status: number): void {
    if (status !== request.expect) return;
    if (request.write === 'create') this.runNetCreates++;
    else if (request.write === 'delete') this.runNetCreates--;
  }

  /** A write whose outcome the driver never saw (in flight at the stop, or on a dropped
   *  connection): the server may or may not have committed it. null = unknown request. */
  uncertain(request: Pick<PlannedRequest, 'write'> | null): void {
    if (request === null || request.write === 'create') this.uncertainCreates++;
    if (request === null || request.write === 'delete') this.uncertainDeletes++;
  }

  /** A response to `request` (status checked against what the workload expects). */
  status(request: Pick<PlannedRequest, 'expect' | 'write'>, status: number): void {
    this.windowStart();
    this.responses++;
    if (status !== request.expect) {
      this.unexpectedStatus[status] = (this.unexpectedStatus[status] ?? 0) + 1;
      return;
    }
    this.expected++;
    if (request.write !== null) {
      this.writesAcknowledged++;
      if (request.write === 'create') this.creates++;
      else if (request.write === 'delete') this.deletes++;
    }
  }

  latency(us: number): void {
    this.windowStart();
    const v = Math.max(1, Math.round(us));
    this.histogram.recordValue(v);
    this.latencySumUs += v;
  }

  failure(kind: 'timeout' | 'connection' | 'other', message = ''): void {
    if (kind === 'timeout') this.timeouts++;
    else if (kind === 'connection') this.connectionErrors++;
    else this.other[message] = (this.other[message] ?? 0) + 1;
  }

  /** Event-loop delay beyond the sampling interval at percentile p (µs; 0 before any sample). */
  private loopDelayUs(p: number | 'max'): number {
    const h = this.loopDelay;
    if (!h || h.max === 0) return 0;
    const ns = p === 'max' ? h.max : h.percentile(p);
    return Math.max(0, Math.round(ns / 1000 - LOOP_DELAY_RESOLUTION_MS * 1000));
  }

  /** Cumulative counts so far (the continuous warm-up's slices are differences of these). */
  count(): DriverCount {
    const otherCount = Object.values(this.other).reduce((a, b) => a + b, 0);
    return { requests: this.responses + this.timeouts + this.connectionErrors + otherCount, responses: this.responses };
  }

  result(windowMs: number): ShardResult {
    this.windowEnd();
    const otherCount = Object.values(this.other).reduce((a, b) => a + b, 0);
    return {
      requests: this.responses + this.timeouts + this.connectionErrors + otherCount,
      responses: this.responses,
      responsesByWindowEnd: this.responsesAtWindowEnd ?? this.responses,
      expected: this.expected,
      unexpectedStatus: this.unexpectedStatus,
      timeouts: this.timeouts,
      connectionErrors: this.connectionErrors,
      other: this.other,
      creates: this.creates,
      deletes: this.deletes,
      writesAcknowledged: this.writesAcknowledged,
      histogram: encodeHistogram(this.histogram),
      latencySumUs: this.latencySumUs,
      latencyCount: this.histogram.totalCount,
      windowMs,
      netCreates: this.runNetCreates,
      uncertainCreates: this.uncertainCreates,
      uncertainDeletes: this.uncertainDeletes,
      loopDelayP99Us: this.loopDelayUs(99),
      loopDelayMaxUs: this.loopDelayUs('max'),
      sendLagP99Us: this.sendLagHistogram.totalCount > 0 ? this.sendLagHistogram.getValueAtPercentile(99) : null,
    };
  }
}

/** Test only (DriverSpec.starve): burn the driver's CPU in busy loops of `busyMs` every
 *  `everyMs`, the way a driver starved of CPU (or a blocking handler) falls behind. */
function starveDriver(starve: NonNullable<DriverSpec['starve']>): void {
  setInterval(() => {
    const until = performance.now() + starve.busyMs;
    while (performance.now() < until) {
      // busy: nothing else on this event loop runs meanwhile
    }
  }, starve.everyMs).unref();
}

/** A built load: `run` runs warm-up and window; a driver that can be sliced and stopped early
 *  (the net driver) also answers `count` and `stop` (driver-protocol.ts). */
export interface BuiltLoad {
  run(): Promise<ShardResult>;
  count?(): DriverCount;
  stop?(): void;
}

/** The driver side of the IPC handshake: receive the spec, build, wait for 'go', run; answer
 *  'count' and 'stop' when the build can. */
export function driverMain(build: (spec: DriverSpec) => (() => Promise<ShardResult>) | BuiltLoad): void {
  const send = (m: import('./driver-protocol.js').DriverMessage) => process.send?.(m);
  let built: BuiltLoad | null = null;
  let run: (() => Promise<ShardResult>) | null = null;
  let finished = false;
  let starve: DriverSpec['starve'];
  process.on('message', (m: import('./driver-protocol.js').ParentMessage) => {
    try {
      if (m.type === 'spec') {
        const b = build(m.spec);
        built = typeof b === 'function' ? { run: b } : b;
        run = () => built!.run();
        starve = m.spec.starve;
        send({ type: 'built' });
      } else if (m.type === 'count') {
        if (!built?.count) throw new Error('this driver cannot count mid-load (only the net driver can)');
        send({ type: 'count', ...built.count() });
      } else if (m.type === 'stop') {
        if (!built?.stop) throw new Error('this driver cannot be stopped early (only the net driver can)');
        built.stop();
      } else if (m.type === 'go' && run) {
        if (starve) starveDriver(starve);
        run().then(
          (result) => {
            finished = true;
            send({ type: 'done', result });
            // Let the message flush, then leave without waiting for sockets to wind down.
            process.disconnect?.();
            setTimeout(() => process.exit(0), 50).unref();
          },
          (err: Error) => {
            send({ type: 'error', message: err.message });
            setTimeout(() => process.exit(1), 50).unref();
          },
        );
      }
    } catch (err) {
      send({ type: 'error', message: (err as Error).message });
      setTimeout(() => process.exit(1), 50).unref();
    }
  });
  // Orphaned (the harness died): do not keep loading a server nobody measures.
  process.on('disconnect', () => {
    if (!finished) process.exit(1);
  });
}
