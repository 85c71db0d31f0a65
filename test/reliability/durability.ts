// Durability under a crash and under a graceful stop: many connections write distinct keys and
// keep every acknowledged write; the server is stopped mid-run by each signal of a sequence in
// turn (e.g. SIGKILL, then SIGTERM), restarted on the same database file each time, and every
// write acknowledged so far is read back and compared byte for byte before the next round.
//
// SIGKILL: the process gets no chance to flush anything, so whatever was acknowledged must
// already be committed (WAL, synchronous=NORMAL: the commit is in the OS page cache, which a
// process crash does not lose). SIGTERM: the graceful stop; it must also exit 0.
import { startServer, type Exit, type StartedServer } from '../e2e/support/server-process.js';
import type { ServerKind } from '../../servers/server-kinds.js';
import { runAcknowledgedWriters, verifyAcknowledged, type VerifyResult } from './support/acknowledged-writes.js';
import { readProcStatus, mib } from './support/proc-status.js';

export type StopSignal = 'SIGKILL' | 'SIGTERM';

export interface DurabilityOptions {
  kind: ServerKind;
  /** One round per signal, in order, all on the same database file. */
  signals: StopSignal[];
  connections: number;
  /** Stop the server once this many writes were acknowledged in the round... */
  stopAfterAcks: number;
  /** ...while the writers keep going up to this many attempts (they stop when the server goes). */
  maxWrites: number;
  timeLimitMs: number;
  maxValueBytes: number;
  serverFlags?: string[];
}

export interface DurabilityRound {
  signal: StopSignal;
  attempted: number;
  acknowledged: number;
  /** Writes in flight when the server went (no answer: their fate is unknown, not checked). */
  unanswered: number;
  unexpectedStatuses: Record<number, number>;
  exit: Exit;
  /** Every write acknowledged in this round AND the rounds before, after the restart. */
  verify: VerifyResult;
  acknowledgedSoFar: number;
  peakRssMiB: number;
}

export interface DurabilityResult {
  kind: ServerKind;
  rounds: DurabilityRound[];
}

export async function runDurability(o: DurabilityOptions): Promise<DurabilityResult> {
  const flags = o.serverFlags ?? [];
  const everAcked = new Map<string, Buffer>();
  const rounds: DurabilityRound[] = [];
  let server: StartedServer = await startServer(o.kind, flags);
  try {
    for (const [round, signal] of o.signals.entries()) {
      let stopping: Promise<Exit> | undefined;
      let peakRssKb = 0;
      const current = server;
      const writes = await runAcknowledgedWriters({
        port: current.port,
        connections: o.connections,
        maxWrites: o.maxWrites,
        timeLimitMs: o.timeLimitMs,
        maxValueBytes: o.maxValueBytes,
        keyPrefix: `dur${round}-${signal}`,
        onAck: (acked) => {
          if (acked >= o.stopAfterAcks && stopping === undefined) {
            // Read the peak just before the stop: after SIGKILL /proc/<pid> is gone.
            peakRssKb = readProcStatus(current.child.pid!).vmHwmKb;
            stopping = current.stop(signal, 15_000);
          }
        },
      });
      // The loop is bounded: if it ended before the threshold, stop the server now (the test
      // then fails on "acknowledged" being too small, not on a hang).
      stopping ??= current.stop(signal, 15_000);
      const exit = await stopping;
      for (const [k, v] of writes.acked) everAcked.set(k, v);

      server = await startServer(o.kind, flags, { db: current.db });
      const verify = await verifyAcknowledged(server.port, everAcked);
      rounds.push({
        signal,
        attempted: writes.attempted,
        acknowledged: writes.acked.size,
        unanswered: writes.unanswered,
        unexpectedStatuses: Object.fromEntries(writes.unexpectedStatuses),
        exit,
        verify,
        acknowledgedSoFar: everAcked.size,
        peakRssMiB: mib(peakRssKb),
      });
    }
    return { kind: o.kind, rounds };
  } finally {
    await server.stop('SIGTERM');
  }
}

/** The figures line the tests print (collected into docs/RELIABILITY.md). */
export function describeDurability(r: DurabilityResult): string {
  return r.rounds
    .map(
      (d) =>
        `[reliability] durability ${r.kind} ${d.signal}: ${d.acknowledged} acknowledged of ${d.attempted} attempted, ` +
        `${d.unanswered} in flight at the stop, exit ${d.exit.code ?? d.exit.signal}; after restart ${d.verify.verified}/${d.acknowledgedSoFar} ` +
        `verified byte-exact (all rounds so far), ${d.verify.missing.length} missing, ${d.verify.mismatched.length} mismatched, ` +
        `peak RSS ${d.peakRssMiB} MiB`,
    )
    .join('\n');
}

/** The assertions both variants make on every round. */
export function durabilityProblems(r: DurabilityResult, minAcks: number): string[] {
  const problems: string[] = [];
  for (const d of r.rounds) {
    const where = `${r.kind} ${d.signal}`;
    if (d.acknowledged < minAcks) problems.push(`${where}: only ${d.acknowledged} writes acknowledged`);
    if (Object.keys(d.unexpectedStatuses).length > 0) problems.push(`${where}: statuses ${JSON.stringify(d.unexpectedStatuses)}`);
    if (d.verify.errors.length > 0) problems.push(`${where}: read errors ${d.verify.errors.slice(0, 3).join('; ')}`);
    if (d.verify.missing.length > 0)
      problems.push(`${where}: ${d.verify.missing.length} acknowledged writes missing, e.g. ${d.verify.missing[0]}`);
    if (d.verify.mismatched.length > 0)
      problems.push(`${where}: ${d.verify.mismatched.length} values differ, e.g. ${d.verify.mismatched[0]}`);
    if (d.verify.verified !== d.acknowledgedSoFar) problems.push(`${where}: ${d.verify.verified} of ${d.acknowledgedSoFar} verified`);
    const expectedExit = d.signal === 'SIGKILL' ? d.exit.signal === 'SIGKILL' : d.exit.code === 0;
    if (!expectedExit) problems.push(`${where}: exit ${JSON.stringify(d.exit)}`);
  }
  return problems;
}
