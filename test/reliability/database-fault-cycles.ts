// Database faults under load (the soak variant of database-faults.ts): 50 writer connections and
// a few verifying readers run without pause while faults come and go on the same server: a lock
// held by another process, immutable database files (when chattr works here), and a full disk
// (when a tmpfs can be mounted here: the database lives on one, and a filler file takes every
// free byte). Each cycle: fault on, writes are refused (503/507) while every read of an
// acknowledged key stays byte-exact; fault off, acknowledged writes resume. At the end the
// server is restarted and every write ever acknowledged is verified.
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import path from 'node:path';
import { startServer, tempDir } from '../e2e/support/server-process.js';
import type { ServerKind } from '../../servers/server-kinds.js';
import { runAcknowledgedWriters, verifyAcknowledged, type VerifyResult } from './support/acknowledged-writes.js';
import { sleep } from './support/concurrency.js';
import { holdExclusiveLock, setImmutable, type SmallFileSystem } from './support/fault-environment.js';
import { KeepAliveClient } from './support/keep-alive-client.js';
import { getRequest } from './support/kv-requests.js';
import { must } from '../../harness/must.js';

export type CycleFault = 'lock' | 'immutable' | 'disk-full';

export interface FaultCyclesOptions {
  kind: ServerKind;
  faults: CycleFault[];
  cycles: number;
  faultOnMs: number;
  /** A tmpfs for the database (needed by 'disk-full'); else a temp dir. */
  fs?: SmallFileSystem;
}

export interface FaultCyclesResult {
  kind: ServerKind;
  cyclesSurvived: Record<string, number>;
  acknowledged: number;
  refusedByStatus: Record<number, number>;
  /** Cycles after which no write was acknowledged within 10 s of clearing (must be 0). */
  cyclesWithoutRecovery: number;
  readsVerified: number;
  readFailures: string[];
  afterRestart: VerifyResult;
}

/** Takes every free byte of the file system holding `dir`; returns how to give them back. */
function fillDisk(dir: string): () => void {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'w');
  const block = Buffer.alloc(64 * 1024);
  try {
    for (;;) {
      const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
      if (free <= 0) break;
      writeSync(fd, block, 0, Math.min(block.length, free));
    }
  } catch {
    // ENOSPC: full, which is the point
  } finally {
    closeSync(fd);
  }
  return () => rmSync(filler, { force: true });
}

export async function runFaultCycles(o: FaultCyclesOptions): Promise<FaultCyclesResult> {
  const db = path.join(o.fs?.dir ?? tempDir(), 'kv.db');
  const first = await startServer(o.kind, ['--threads', '8'], { db });
  let stopLoad!: () => void;
  const loadStopped = new Promise<void>((r) => (stopLoad = r));
  const readFailures: string[] = [];
  let readsVerified = 0;
  try {
    const writers = runAcknowledgedWriters({
      port: first.port,
      connections: 50,
      maxWrites: 10_000_000,
      timeLimitMs: 30 * 60_000,
      maxValueBytes: 2_048,
      keyPrefix: 'cycle',
      until: loadStopped,
    });
    // The readers re-read a fixed set of keys written up front (the writers' own map is only
    // complete once they stop).
    const fixed = new Map<string, Buffer>();
    {
      const c = await KeepAliveClient.connect(first.port);
      for (let i = 0; i < 50; i++) {
        const value = randomBytes(512);
        const r = await c.request(
          Buffer.concat([Buffer.from(`PUT /keys/fixed-${i} HTTP/1.1\r\nHost: x\r\nContent-Length: ${value.length}\r\n\r\n`), value]),
        );
        if (r.status !== 201) throw new Error(`setup write answered ${r.status}`);
        fixed.set(`fixed-${i}`, value);
      }
      c.close();
    }
    const fixedEntries = [...fixed];
    const readers = Promise.all(
      Array.from({ length: 4 }, async () => {
        const c = await KeepAliveClient.connect(first.port);
        let stop = false;
        void loadStopped.then(() => (stop = true));
        try {
          for (let i = 0; !stop; i++) {
            const [key, value] = must(fixedEntries[i % fixedEntries.length], 'a fixed key');
            try {
              const r = await c.request(getRequest(key), { timeoutMs: 30_000 });
              if (r.status === 200 && r.body.equals(value)) readsVerified++;
              else if (readFailures.length < 10) readFailures.push(`${key}: ${r.status}`);
            } catch (err) {
              if (readFailures.length < 10) readFailures.push(`${key}: ${(err as Error).message}`);
              return;
            }
          }
        } finally {
          c.close();
        }
      }),
    );

    // "Writes resume after the fault" is checked by a probe writer of its own, so its answer is
    // not mixed up with the 50 writers (some of which may still be finishing a lock wait).
    const cyclesSurvived: Record<string, number> = {};
    let cyclesWithoutRecovery = 0;
    const probe = await KeepAliveClient.connect(first.port);
    const probed = new Map<string, Buffer>();
    let probeIndex = 0;
    const probeWrite = async () => {
      const value = randomBytes(64);
      const key = `probe-${probeIndex++}`;
      const r = await probe.request(
        Buffer.concat([Buffer.from(`PUT /keys/${key} HTTP/1.1\r\nHost: x\r\nContent-Length: ${value.length}\r\n\r\n`), value]),
        { timeoutMs: 30_000 },
      );
      if (r.status === 201) probed.set(key, value); // verified after the restart too
      return r.status;
    };
    await sleep(1_000);
    for (let cycle = 0; cycle < o.cycles; cycle++) {
      for (const fault of o.faults) {
        let clear: () => void;
        if (fault === 'lock') clear = holdExclusiveLock(db).release;
        else if (fault === 'immutable') {
          setImmutable([db, `${db}-wal`], true);
          clear = () => setImmutable([db, `${db}-wal`], false);
        } else clear = fillDisk(path.dirname(db));
        try {
          await sleep(o.faultOnMs);
        } finally {
          clear();
        }
        // Recovery: a write succeeds again (a few tries: a writer may still be finishing a
        // 5 s lock wait, and the first write after a full disk may find the WAL still full).
        let recovered = false;
        const until = Date.now() + 10_000;
        while (!recovered && Date.now() < until) {
          recovered = (await probeWrite()) === 201;
          if (!recovered) await sleep(200);
        }
        if (recovered) cyclesSurvived[fault] = (cyclesSurvived[fault] ?? 0) + 1;
        else cyclesWithoutRecovery++;
        await sleep(1_000);
      }
    }
    probe.close();
    stopLoad();
    const writes = await writers;
    await readers;
    await first.stop('SIGTERM');

    const second = await startServer(o.kind, ['--threads', '8'], { db });
    try {
      const all = new Map([...writes.acked, ...fixed, ...probed]);
      const afterRestart = await verifyAcknowledged(second.port, all);
      return {
        kind: o.kind,
        cyclesSurvived,
        acknowledged: all.size,
        refusedByStatus: Object.fromEntries(writes.unexpectedStatuses),
        cyclesWithoutRecovery,
        readsVerified,
        readFailures,
        afterRestart,
      };
    } finally {
      await second.stop('SIGTERM');
    }
  } finally {
    stopLoad();
    if (first.child.exitCode === null && first.child.signalCode === null) await first.stop('SIGKILL');
  }
}

export function describeFaultCycles(r: FaultCyclesResult): string {
  return (
    `[reliability] fault cycles ${r.kind}: survived ${JSON.stringify(r.cyclesSurvived)} (without recovery: ${r.cyclesWithoutRecovery}), ` +
    `writes refused under faults ${JSON.stringify(r.refusedByStatus)}, ${r.readsVerified} reads byte-exact during the cycles ` +
    `(${r.readFailures.length} failed), ${r.afterRestart.verified}/${r.acknowledged} acknowledged writes verified after restart`
  );
}
