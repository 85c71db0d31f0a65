// Turns a database failure into an HTTP answer. Only SqliteError is handled here: anything else is
// a bug and is rethrown for the engine to answer 500. Every write path calls the store first and
// answers 2xx only if it returned, so a mapped failure never hides an acknowledged write.
import Database from 'better-sqlite3';
import type { HttpResponse } from '../http/types.js';
import { frozenJsonError } from './responses.js';

// Only a lock is known to clear by itself soon; the other faults need an operator.
const RETRY_AFTER = [['retry-after', '1']] as const;

const BUSY = frozenJsonError(503, 'database is busy, retry', RETRY_AFTER);
const READONLY = frozenJsonError(503, 'database is read-only, writes are refused');
const FULL = frozenJsonError(507, 'insufficient storage: database disk is full');
const IOERR = frozenJsonError(503, 'database I/O error');
const TOO_BIG = frozenJsonError(413, 'value is larger than the database accepts');
const OTHER = frozenJsonError(500, 'internal database error');

/** The response for a failed statement; rethrows what is not a SqliteError. */
export function databaseFaultResponse(error: unknown): HttpResponse {
  if (!(error instanceof Database.SqliteError)) throw error;
  // Extended codes carry a suffix (SQLITE_BUSY_SNAPSHOT, SQLITE_IOERR_FSYNC, SQLITE_READONLY_DBMOVED...).
  const code = error.code;
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return BUSY;
  if (code.startsWith('SQLITE_READONLY')) return READONLY;
  if (code === 'SQLITE_FULL') return FULL;
  if (code.startsWith('SQLITE_IOERR')) return IOERR;
  if (code === 'SQLITE_TOOBIG') return TOO_BIG;
  return OTHER;
}
