// The SQLite key-value store: one table, prepared statements, WAL. Values are bytes (BLOB), stored
// and returned exactly. Everything here is synchronous (better-sqlite3): a call returns after the
// statement has finished, so a caller that answers 2xx after it never acknowledges a lost write.
import { accessSync, constants as fsConstants } from 'node:fs';
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

/** Whether this process may write `file` now (false for EPERM: an immutable file, EACCES, EROFS). */
function mayWrite(file: string): boolean {
  try {
    accessSync(file, fsConstants.W_OK);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT';
  }
}

/** Whether the database file and its WAL may be written now (an in-memory database always). */
function databaseWritable(file: string): boolean {
  if (file === ':memory:' || file === '') return true;
  return mayWrite(file) && mayWrite(`${file}-wal`);
}

interface OpenedConnection {
  db: Database.Database;
  /**
   * The file was not writable when the connection opened it. SQLite then opens it read-only
   * without saying so, and the connection stays read-only for its whole life: measured, a
   * connection opened while the file was immutable (chattr +i) refused every write with
   * SQLITE_READONLY after the flag was cleared, while a new connection wrote at once. The sync
   * server opens one connection per thread, and threads start while the server runs (growth),
   * so one started during such a fault served 503 "read-only" for ever (the soak test found it).
   */
  openedReadOnly: boolean;
}

function openConnection(file: string, synchronous: SynchronousMode, busyTimeoutMs: number): OpenedConnection {
  let db: Database.Database | undefined;
  try {
    const writableBefore = databaseWritable(file);
    db = new Database(file);
    // Checked on both sides of the open: a file made writable again right after a read-only open
    // would otherwise pass unnoticed.
    const openedReadOnly = !writableBefore || !databaseWritable(file);
    // busy_timeout first, so switching to WAL waits for a connection that holds a lock.
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    // In-memory databases answer "memory"; anything else on a file means WAL is unavailable.
    if (mode !== 'wal' && file !== ':memory:' && file !== '') {
      throw new Error(`journal_mode is "${String(mode)}", WAL could not be enabled`);
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.exec(SCHEMA);
    return { db, openedReadOnly };
  } catch (error) {
    if (db?.open) db.close();
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot open database "${file}": ${reason.split('\n')[0]}`);
  }
}

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
  return createStore(file, () => openConnection(file, synchronous, busyTimeoutMs), maxValueBytes);
}

function prepareStatements(db: Database.Database) {
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
  return { selectValue, insertNew, deleteKey, countKeys, upsert };
}

function createStore(file: string, open: () => OpenedConnection, maxValueBytes: number): KvStore {
  let connection = open();
  let st = prepareStatements(connection.db);

  /** Before a write: a connection opened read-only is replaced once the file is writable again
   *  (see OpenedConnection). Costs an access() per write only while it is read-only. */
  function writableConnection(): void {
    if (!connection.openedReadOnly || !databaseWritable(file)) return;
    let fresh: OpenedConnection;
    try {
      fresh = open();
    } catch {
      return; // still not writable after all: this write fails as before (503), the next one retries
    }
    connection.db.close();
    connection = fresh;
    st = prepareStatements(fresh.db);
  }

  function checkWrite(key: string, value: Buffer): void {
    const problem = keyProblem(key);
    if (problem !== undefined) throw new RangeError(problem);
    if (!Buffer.isBuffer(value)) throw new TypeError('value must be a Buffer');
    if (value.length > maxValueBytes) throw new RangeError(`value is larger than ${maxValueBytes} bytes`);
  }

  return {
    get: (key) => st.selectValue.get(key),
    insert(key, value) {
      checkWrite(key, value);
      writableConnection();
      return st.insertNew.run(key, value).changes > 0;
    },
    put(key, value) {
      checkWrite(key, value);
      writableConnection();
      return st.upsert.immediate(key, value);
    },
    delete(key) {
      writableConnection();
      return st.deleteKey.run(key).changes > 0;
    },
    count: () => st.countKeys.get() as number,
    close() {
      const { db } = connection;
      if (!db.open) return;
      // Fold the WAL back into the database file so a closed database is one self-contained file.
      try {
        db.pragma('wal_checkpoint(TRUNCATE)');
      } finally {
        db.close();
      }
    },
    maxValueBytes,
    get db() {
      return connection.db;
    },
  };
}
