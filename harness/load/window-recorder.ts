// What a driver process counts during the measured window: latencies into an HDR histogram
// (µs), each response's status against the workload's expectation, writes, and failures by kind.
import type { ShardResult } from './driver-protocol.js';
import { encodeHistogram, newLatencyHistogram } from '../analysis/stats.js';
import type { PlannedRequest } from './workloads.js';

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
    const v = Math.max(1, Math.round(us));
    this.histogram.recordValue(v);
    this.latencySumUs += v;
  }

  failure(kind: 'timeout' | 'connection' | 'other', message = ''): void {
    if (kind === 'timeout') this.timeouts++;
    else if (kind === 'connection') this.connectionErrors++;
    else this.other[message] = (this.other[message] ?? 0) + 1;
  }

  result(windowMs: number): ShardResult {
    const otherCount = Object.values(this.other).reduce((a, b) => a + b, 0);
    return {
      requests: this.responses + this.timeouts + this.connectionErrors + otherCount,
      responses: this.responses,
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
    };
  }
}

/** The driver side of the IPC handshake: receive the spec, build, wait for 'go', run. */
export function driverMain(build: (spec: import('./driver-protocol.js').DriverSpec) => () => Promise<ShardResult>): void {
  const send = (m: import('./driver-protocol.js').DriverMessage) => process.send?.(m);
  let run: (() => Promise<ShardResult>) | null = null;
  let finished = false;
  process.on('message', (m: import('./driver-protocol.js').ParentMessage) => {
    try {
      if (m.type === 'spec') {
        run = build(m.spec);
        send({ type: 'built' });
      } else if (m.type === 'go' && run) {
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
