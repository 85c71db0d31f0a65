// Durability under a crash and under a graceful stop: many connections write distinct keys and
// keep every acknowledged write; the server is stopped by `signal` mid-run, restarted on the
// same database file, and every acknowledged key is read back and compared byte for byte.
//
// SIGKILL: the process gets no chance to flush anything, so whatever was acknowledged must
// already be committed (WAL, synchronous=NORMAL: the commit is in the OS page cache, which a
// process crash does not lose). SIGTERM: the graceful stop; it must also exit 0.
import { startServer, type Exit, type ServerKindUnderTest } from '../e2e/support/server-process.js';
import { runAcknowledgedWriters, verifyAcknowledged, type VerifyResult } from './support/acknowledged-writes.js';
import { readProcStatus, mib } from './support/proc-status.js';

export interface DurabilityOptions {
  kind: ServerKindUnderTest;
  signal: 'SIGKILL' | 'SIGTERM';
  connections: number;
  /** Stop the server once this many writes were acknowledged... */
  stopAfterAcks: number;
  /** ...while the writers keep going up to this many attempts (they stop when the server goes). */
  maxWrites: number;
  timeLimitMs: number;
  maxValueBytes: number;
  serverFlags?: string[];
}

export interface DurabilityResult {
  kind: ServerKindUnderTest;
  signal: string;
  attempted: number;
  acknowledged: number;
  /** Writes in flight when the server went (no answer: their fate is unknown, not checked). */
  unanswered: number;
  unexpectedStatuses: Record<number, number>;
  exit: Exit;
  verify: VerifyResult;
  peakRssMiB: number;
}

export async function runDurability(o: DurabilityOptions): Promise<DurabilityResult> {
  const flags = o.serverFlags ?? [];
  const first = await startServer(o.kind, flags);
  let stopping: Promise<Exit> | undefined;
  let peakRssKb = 0;
  try {
    const writes = await runAcknowledgedWriters({
      port: first.port,
      connections: o.connections,
      maxWrites: o.maxWrites,
      timeLimitMs: o.timeLimitMs,
      maxValueBytes: o.maxValueBytes,
      keyPrefix: `dur-${o.signal}`,
      onAck: (acked) => {
        if (acked >= o.stopAfterAcks && stopping === undefined) {
          // Read the peak just before the stop: after SIGKILL /proc/<pid> is gone.
          peakRssKb = readProcStatus(first.child.pid!).vmHwmKb;
          stopping = first.stop(o.signal, 15_000);
        }
      },
    });
    // The loop is bounded: if it ended before the threshold, stop the server now (the test then
    // fails on "acknowledged" being too small, not on a hang).
    stopping ??= first.stop(o.signal, 15_000);
    const exit = await stopping;

    const second = await startServer(o.kind, flags, { db: first.db });
    try {
      const verify = await verifyAcknowledged(second.port, writes.acked);
      return {
        kind: o.kind,
        signal: o.signal,
        attempted: writes.attempted,
        acknowledged: writes.acked.size,
        unanswered: writes.unanswered,
        unexpectedStatuses: Object.fromEntries(writes.unexpectedStatuses),
        exit,
        verify,
        peakRssMiB: mib(peakRssKb),
      };
    } finally {
      await second.stop('SIGTERM');
    }
  } finally {
    if (first.child.exitCode === null && first.child.signalCode === null) await first.stop('SIGKILL');
  }
}

/** The figures line the tests print (collected into docs/RELIABILITY.md). */
export function describeDurability(r: DurabilityResult): string {
  return (
    `[reliability] durability ${r.kind} ${r.signal}: ${r.acknowledged} acknowledged of ${r.attempted} attempted, ` +
    `${r.unanswered} in flight at the stop, ${r.verify.verified} verified byte-exact after restart, ` +
    `${r.verify.missing.length} missing, ${r.verify.mismatched.length} mismatched, exit ${r.exit.code ?? r.exit.signal}, ` +
    `peak RSS ${r.peakRssMiB} MiB`
  );
}
