// Database failures reach the client as 503/507 with a JSON reason, reads keep working while
// writes fail, and a failed write is never acknowledged.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseFaultResponse } from '../../servers/kv/database-faults.js';
import { createRoutes } from '../../servers/kv/routes.js';
import { openStore, type KvStore } from '../../servers/kv/store.js';
import { bodyBytes, bodyJson, header, request, tempDirectory } from './temp-database.js';
import { immutableUnavailable, setImmutable } from '../reliability/support/fault-environment.js';

let temp: ReturnType<typeof tempDirectory>;
let store: KvStore;

beforeEach(() => {
  temp = tempDirectory();
  // A short busy timeout so a held lock turns into SQLITE_BUSY quickly.
  store = openStore(temp.file(), { busyTimeoutMs: 20 });
  store.put('existing', Buffer.from('old'));
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

const writes = [
  request('PUT', '/keys/new', 'v'),
  request('PUT', '/keys/existing', 'changed'),
  request('POST', '/keys', '{"key":"posted","value":"v"}'),
  request('DELETE', '/keys/existing'),
];

function expectUnchanged() {
  expect(store.get('existing')).toEqual(Buffer.from('old'));
  expect(store.get('new')).toBeUndefined();
  expect(store.get('posted')).toBeUndefined();
}

describe('database faults through the routes', () => {
  it('answers 503 busy with Retry-After while another connection holds the write lock, and reads go on', () => {
    const routes = createRoutes(store);
    const other = new Database(temp.file());
    other.exec('BEGIN IMMEDIATE');
    try {
      for (const write of writes) {
        const response = routes(write);
        expect(response.status).toBe(503);
        expect(header(response, 'retry-after')).toBe('1');
        expect(bodyJson(response)).toEqual({ error: 'database is busy, retry' });
      }
      const read = routes(request('GET', '/keys/existing'));
      expect(read.status).toBe(200);
      expect(bodyBytes(read).toString()).toBe('old');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expectUnchanged();
    expect(routes(request('PUT', '/keys/new', 'v')).status).toBe(201); // lock gone: writes work again
  });

  it('answers 503 with a reason when the database is read-only, and reads go on', () => {
    const routes = createRoutes(store);
    store.db.pragma('query_only = 1');
    for (const write of writes) {
      const response = routes(write);
      expect(response.status).toBe(503);
      expect(bodyJson(response)).toEqual({ error: 'database is read-only, writes are refused' });
    }
    expect(routes(request('GET', '/keys/existing')).status).toBe(200);
    store.db.pragma('query_only = 0');
    expectUnchanged();
  });

  it('answers 507 when the database is full', () => {
    const routes = createRoutes(store);
    // Cap the file at its current size: the next page needed fails with SQLITE_FULL.
    const pages = store.db.pragma('page_count', { simple: true }) as number;
    store.db.pragma(`max_page_count = ${pages}`);
    const response = routes(request('PUT', '/keys/big', Buffer.alloc(64 * 1024, 1)));
    expect(response.status).toBe(507);
    expect(bodyJson(response)).toEqual({ error: 'insufficient storage: database disk is full' });
    expect(store.get('big')).toBeUndefined();
    expect(routes(request('GET', '/keys/existing')).status).toBe(200);
  });
});

const immutableProbe = tempDirectory();
const noImmutable = immutableUnavailable(immutableProbe.dir);
immutableProbe.cleanup();

describe('a connection opened while the database file was not writable', () => {
  it.skipIf(noImmutable !== null)(
    `writes again once the file is writable (a fresh connection is opened)${noImmutable ? ` (skipped: ${noImmutable})` : ''}`,
    () => {
      const files = [temp.file(), `${temp.file()}-wal`];
      setImmutable(files, true);
      let late: KvStore | undefined;
      try {
        // SQLite opens an unwritable file read-only without saying so; this connection would refuse
        // every write for the rest of its life.
        late = openStore(temp.file(), { busyTimeoutMs: 20 });
        expect(() => late!.put('during', Buffer.from('x'))).toThrow(
          expect.objectContaining({ code: expect.stringMatching(/^SQLITE_READONLY/) }),
        );
        expect(late.get('existing')).toEqual(Buffer.from('old'));
      } finally {
        setImmutable(files, false);
      }
      try {
        expect(late.put('after', Buffer.from('y'))).toBe('created');
        expect(late.insert('after-2', Buffer.from('z'))).toBe(true);
        expect(late.delete('after-2')).toBe(true);
        expect(store.get('after')).toEqual(Buffer.from('y'));
      } finally {
        late.close();
      }
    },
  );
});

describe('databaseFaultResponse', () => {
  const fault = (code: string) => databaseFaultResponse(new Database.SqliteError('simulated', code));

  it.each([
    ['SQLITE_BUSY', 503],
    ['SQLITE_BUSY_SNAPSHOT', 503],
    ['SQLITE_LOCKED', 503],
    ['SQLITE_READONLY_DBMOVED', 503],
    ['SQLITE_IOERR', 503],
    ['SQLITE_IOERR_FSYNC', 503],
    ['SQLITE_FULL', 507],
    ['SQLITE_TOOBIG', 413],
    ['SQLITE_CORRUPT', 500],
  ])('maps %s to %i with a JSON reason', (code, status) => {
    const response = fault(code);
    expect(response.status).toBe(status);
    expect(typeof (bodyJson(response) as { error: unknown }).error).toBe('string');
  });

  it('only busy and locked carry Retry-After', () => {
    expect(header(fault('SQLITE_LOCKED'), 'retry-after')).toBe('1');
    expect(header(fault('SQLITE_IOERR'), 'retry-after')).toBeUndefined();
  });

  it('rethrows what is not a SqliteError (a bug, for the engine to answer 500)', () => {
    const bug = new TypeError('boom');
    expect(() => databaseFaultResponse(bug)).toThrow(bug);
  });
});
