// The SQLite key-value store: one table, prepared statements, WAL. Values are bytes (BLOB), stored
// and returned exactly. Everything here is synchronous (better-sqlite3): a call returns after the
// statement has finished, so a caller that answers 2xx after it never acknowledges a lost write.
import Database from 'better-sqlite3';
import { keyProblem } from './keys.js';

export type SynchronousMode = 'NORMAL' | 'FULL';

export interface StoreOptions {
  /** NORMAL (default): in WAL mode a commit survives a process crash but not a power loss.
   *  FULL: fsync on every commit, so it also survives a power loss. */
  synchronous?: SynchronousMode;
  /** How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
   *  Default 5000 ms. The wait blocks the calling thread (better-sqlite3 is synchronous). */
  busyTimeoutMs?: number;
  /** Largest value accepted, in bytes. Default: SQLite's own blob limit (1,000,000,000). */
  maxValueBytes?: number;
}

export interface KvStore {
  /** The value stored under `key`, or undefined. */
  get(key: string): Buffer | undefined;
  /** Stores `value` under `key` unless the key exists; false when it did (nothing changed). */
  insert(key: string, value: Buffer): boolean;
  /** Stores `value` under `key`, saying whether the key was new. */
  put(key: string, value: Buffer): 'created' | 'replaced';
  /** Removes `key`; false when it was not there. */
  delete(key: string): boolean;
  /** How many keys are stored (a full scan: not for hot paths). */
  count(): number;
  /** Checkpoints the WAL into the main file (TRUNCATE) and closes. Safe to call twice. */
  close(): void;
  /** Largest value `insert`/`put` accept; the routes answer 413 past it. */
  readonly maxValueBytes: number;
  /** The open connection, for diagnostics and tests (e.g. reading a pragma back). */
  readonly db: Database.Database;
}

/** SQLite's default SQLITE_MAX_LENGTH: no blob can be larger. */
export const SQLITE_MAX_BLOB_BYTES = 1_000_000_000;
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const SCHEMA = 'CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value BLOB NOT NULL)';

/**
 * Opens (creating when missing) the database at `file`. Any failure to open, configure or prepare
 * throws an Error whose message is one line naming the file, for a StartupError.
 */
export function openStore(file: string, options: StoreOptions = {}): KvStore {
  const synchronous = options.synchronous ?? 'NORMAL';
  if (synchronous !== 'NORMAL' && synchronous !== 'FULL') {
    throw new Error(`synchronous must be NORMAL or FULL, got "${String(synchronous)}"`);
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new Error(`busyTimeoutMs must be a whole number >= 0, got ${busyTimeoutMs}`);
  }
  const maxValueBytes = options.maxValueBytes ?? SQLITE_MAX_BLOB_BYTES;
  if (!Number.isInteger(maxValueBytes) || maxValueBytes < 0 || maxValueBytes > SQLITE_MAX_BLOB_BYTES) {
    throw new Error(`maxValueBytes must be a whole number from 0 to ${SQLITE_MAX_BLOB_BYTES}, got ${maxValueBytes}`);
  }

  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    // busy_timeout first, so switching to WAL waits for a connection that holds a lock.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    // In-memory databases answer "memory"; anything else on a file means WAL is unavailable.
    if (mode !== 'wal' && file !== ':memory:' && file !== '') {
      throw new Error(`journal_mode is "${String(mode)}", WAL could not be enabled`);
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(SCHEMA);
    return createStore(db, maxValueBytes);
  } catch (error) {
    if (db?.open) db.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open database "${file}": ${reason.split('\n')[0]}`);
  }
}

function createStore(db: Database.Database, maxValueBytes: number): KvStore {
  // pluck(): the row is the value itself, no row object is built per read.
  const selectValue = db.prepare<[string], Buffer>('SELECT value FROM kv WHERE key = ?').pluck();
  const insertNew = db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING');
  const updateValue = db.prepare('UPDATE kv SET value = ? WHERE key = ?');
  const deleteKey = db.prepare('DELETE FROM kv WHERE key = ?');
  const countKeys = db.prepare<[], number>('SELECT count(*) FROM kv').pluck();

  // An upsert cannot say whether it inserted, so: update, and insert when nothing was there.
  // Update first because benchmarks mostly overwrite preloaded keys. IMMEDIATE takes the write
  // lock up front, so no other writer can slip in between the two statements.
  const upsert = db.transaction((key: string, value: Buffer): 'created' | 'replaced' => {
    if (updateValue.run(value, key).changes > 0) return 'replaced';
    insertNew.run(key, value);
    return 'created';
  });

  function checkWrite(key: string, value: Buffer): void {
    const problem = keyProblem(key);
    if (problem !== undefined) throw new RangeError(problem);
    if (!Buffer.isBuffer(value)) throw new TypeError('value must be a Buffer');
    if (value.length > maxValueBytes) throw new RangeError(`value is larger than ${maxValueBytes} bytes`);
  }

  return {
    get: (key) => selectValue.get(key),
    insert(key, value) {
      checkWrite(key, value);
      return insertNew.run(key, value).changes > 0;
    },
    put(key, value) {
      checkWrite(key, value);
      return upsert.immediate(key, value);
    },
    delete: (key) => deleteKey.run(key).changes > 0,
    count: () => countKeys.get() as number,
    close() {
      if (!db.open) return;
      // Fold the WAL back into the database file so a closed database is one self-contained file.
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    },
    maxValueBytes,
    db,
  };
}
