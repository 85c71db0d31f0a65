// Database chores for tools that look at a server's file from outside while the server has it
// open (the harness between measurements): they never write a row, and they live here so that
// every piece of SQL stays in servers/kv.
import Database from 'better-sqlite3';

/** Rows in the store at `file`, read through a read-only connection: nothing is written, not even
 *  the checkpoint that closing a read-write connection does. */
export function countRowsReadOnly(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], number>('SELECT count(*) FROM kv').pluck().get() as number;
  } finally {
    db.close();
  }
}

/**
 * Folds the WAL of `file` back into the database and empties it (a TRUNCATE checkpoint), while
 * other connections may keep the file open. Throws when it could not complete within
 * `busyTimeoutMs` (some connection was still reading or writing).
 */
export function truncateWal(file: string, busyTimeoutMs = 1000): void {
  const db = new Database(file, { fileMustExist: true, timeout: busyTimeoutMs });
  try {
    const [result] = db.pragma('wal_checkpoint(TRUNCATE)') as Array<{ busy: number; log: number; checkpointed: number }>;
    if (result && result.busy !== 0) throw new Error(`the WAL of ${file} could not be checkpointed (the server was still busy)`);
  } finally {
    db.close();
  }
}
