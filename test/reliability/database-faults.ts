// Database faults, provoked for real from outside the server (see support/fault-environment.ts):
// a lock held by another process, database files that refuse writes, a full disk. For each:
//   1. the server has acknowledged some writes;
//   2. under the fault, a write is refused with the documented status and a clear reason,
//      and every acknowledged key still reads back byte-exact (reads keep being served);
//   3. when the fault clears, writes succeed again without a restart;
//   4. after a restart on the same file, every write ever acknowledged is there, byte-exact.
import { randomBytes } from 'node:crypto';
import { startServer, tempDir, type StartedServer } from '../e2e/support/server-process.js';
import type { ServerKind } from '../../servers/server-kinds.js';
import { verifyAcknowledged, type VerifyResult } from './support/acknowledged-writes.js';
import { holdExclusiveLock, setImmutable, type SmallFileSystem } from './support/fault-environment.js';
import { KeepAliveClient } from './support/keep-alive-client.js';
import { putRequest } from './support/kv-requests.js';
import path from 'node:path';

export interface FaultResult {
  kind: ServerKind;
  fault: string;
  ackedBeforeFault: number;
  /** Statuses of the writes tried under the fault (status -> count). */
  writeStatusesUnderFault: Record<number, number>;
  /** The body and Retry-After of the first refused write. */
  refusalBody: string;
  refusalRetryAfter: string | undefined;
  /** Acknowledged keys read back while the fault was on. */
  readsUnderFault: VerifyResult;
  /** The slowest of those reads, ms (async: a write waiting on the lock stalls the loop). */
  slowestReadUnderFaultMs: number;
  /** Status of a write after the fault cleared (no restart). */
  writeAfterClear: number;
  /** All acknowledged keys after a restart on the same file. */
  afterRestart: VerifyResult;
  ackedTotal: number;
}

type Acked = Map<string, Buffer>;

async function put(
  client: KeepAliveClient,
  acked: Acked,
  key: string,
  value: Buffer,
): Promise<{ status: number; body: string; retryAfter?: string }> {
  const r = await client.request(putRequest(key, value), { timeoutMs: 30_000 });
  if (r.status === 201 || r.status === 200) acked.set(key, value);
  const retryAfter = r.headers.find(([n]) => n === 'retry-after')?.[1];
  return { status: r.status, body: r.body.toString('utf8'), retryAfter };
}

async function writeSome(port: number, acked: Acked, prefix: string, count: number, valueBytes: number): Promise<void> {
  const client = await KeepAliveClient.connect(port);
  try {
    for (let i = 0; i < count; i++) {
      const r = await put(client, acked, `${prefix}-${i}`, randomBytes(valueBytes));
      if (r.status !== 201) throw new Error(`setup write ${prefix}-${i} answered ${r.status} ${r.body}`);
    }
  } finally {
    client.close();
  }
}

/** Reads every acknowledged key while timing each read. */
async function timedReads(port: number, acked: Acked): Promise<{ verify: VerifyResult; slowestMs: number }> {
  const started = Date.now();
  const verify = await verifyAcknowledged(port, acked, 4);
  return { verify, slowestMs: Date.now() - started };
}

interface FaultSpec {
  name: string;
  /** Where the database lives (default: a fresh temp dir). */
  dir?: string;
  valueBytes: number;
  /** Turns the fault on; returns how to turn it off. */
  inject(server: StartedServer): () => void;
  /** Writes to try under the fault; they stop at the first refusal unless `untilRefused` is false. */
  writesUnderFault: number;
}

async function runFault(kind: ServerKind, spec: FaultSpec, flags: string[]): Promise<FaultResult> {
  const db = path.join(spec.dir ?? tempDir(), 'kv.db');
  const acked: Acked = new Map();
  const first = await startServer(kind, flags, { db });
  let clear: (() => void) | undefined;
  try {
    await writeSome(first.port, acked, 'before', 20, spec.valueBytes);
    const ackedBeforeFault = acked.size;

    clear = spec.inject(first);
    const statuses: Record<number, number> = {};
    let refusal: { body: string; retryAfter?: string } | undefined;
    const writer = await KeepAliveClient.connect(first.port);
    // Writes under the fault run while the reads go on, on other connections.
    const writes = (async () => {
      for (let i = 0; i < spec.writesUnderFault && refusal === undefined; i++) {
        const r = await put(writer, acked, `during-${i}`, randomBytes(spec.valueBytes));
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status >= 500) refusal = r;
      }
    })();
    // Start reading once the writer has had time to be stuck on the fault (a lock wait).
    await new Promise((r) => setTimeout(r, 200));
    const reads = await timedReads(first.port, new Map([...acked].filter(([k]) => k.startsWith('before'))));
    await writes;
    writer.close();

    clear();
    clear = undefined;
    const after = await KeepAliveClient.connect(first.port);
    const recovered = await put(after, acked, 'after-clear', randomBytes(spec.valueBytes));
    after.close();

    await first.stop('SIGTERM');
    const second = await startServer(kind, flags, { db });
    try {
      const afterRestart = await verifyAcknowledged(second.port, acked);
      return {
        kind,
        fault: spec.name,
        ackedBeforeFault,
        writeStatusesUnderFault: statuses,
        refusalBody: refusal?.body ?? '',
        refusalRetryAfter: refusal?.retryAfter,
        readsUnderFault: reads.verify,
        slowestReadUnderFaultMs: reads.slowestMs,
        writeAfterClear: recovered.status,
        afterRestart,
        ackedTotal: acked.size,
      };
    } finally {
      await second.stop('SIGTERM');
    }
  } finally {
    clear?.();
    if (first.child.exitCode === null && first.child.signalCode === null) await first.stop('SIGKILL');
  }
}

/** Another process holds BEGIN EXCLUSIVE: writes get 503 + Retry-After after busy_timeout. */
export function runLockFault(kind: ServerKind): Promise<FaultResult> {
  return runFault(
    kind,
    {
      name: 'lock held by another process (BEGIN EXCLUSIVE)',
      valueBytes: 256,
      writesUnderFault: 1, // each waits the 5 s busy_timeout
      inject: (server) => holdExclusiveLock(server.db).release,
    },
    ['--threads', '4'],
  );
}

/** The database and its WAL are made immutable: writes fail with EPERM (503, I/O error). */
export function runImmutableFault(kind: ServerKind, dir: string): Promise<FaultResult> {
  return runFault(
    kind,
    {
      name: 'database files immutable (chattr +i on the .db and -wal files)',
      dir,
      valueBytes: 256,
      writesUnderFault: 3,
      inject: (server) => {
        const files = [server.db, `${server.db}-wal`];
        setImmutable(files, true);
        return () => setImmutable(files, false);
      },
    },
    ['--threads', '4'],
  );
}

/** The database fills a tiny tmpfs: writes get 507 until the file system grows. */
export function runFullDiskFault(kind: ServerKind, fs: SmallFileSystem, grownBytes: number): Promise<FaultResult> {
  return runFault(
    kind,
    {
      name: 'disk full (database on a size-limited tmpfs)',
      dir: fs.dir,
      valueBytes: 32 * 1024,
      writesUnderFault: 500, // bounded: the first 507 stops it
      inject: () => () => fs.resize(grownBytes),
    },
    ['--threads', '4'],
  );
}

export function describeFault(r: FaultResult): string {
  return (
    `[reliability] fault ${r.kind} / ${r.fault}: ${r.ackedBeforeFault} acknowledged before, writes under fault ${JSON.stringify(r.writeStatusesUnderFault)} ` +
    `(refusal ${r.refusalBody}${r.refusalRetryAfter ? `, Retry-After ${r.refusalRetryAfter}` : ''}), ` +
    `${r.readsUnderFault.verified} reads byte-exact under the fault (all took ${r.slowestReadUnderFaultMs} ms), ` +
    `write after clearing ${r.writeAfterClear}, ${r.afterRestart.verified}/${r.ackedTotal} acknowledged verified after restart`
  );
}
