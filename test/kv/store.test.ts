// The store on its own: persistence, pragmas, write semantics and startup errors.
import { writeFileSync, existsSync, statSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../../servers/kv/store.js';
import { tempDirectory } from './temp-database.js';

let temp: ReturnType<typeof tempDirectory>;
beforeEach(() => {
  temp = tempDirectory();
});
afterEach(() => temp.cleanup());

describe('openStore', () => {
  it('uses WAL, synchronous NORMAL and a busy timeout by default', () => {
    const store = openStore(temp.file());
    try {
      expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(store.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(5000);
    } finally {
      store.close();
    }
  });

  it('applies synchronous FULL and a custom busy timeout', () => {
    const store = openStore(temp.file(), { synchronous: 'FULL', busyTimeoutMs: 25 });
    try {
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
      expect(store.db.pragma('busy_timeout', { simple: true })).toBe(25);
    } finally {
      store.close();
    }
  });

  it('refuses bad options with a clear message', () => {
    expect(() => openStore(temp.file(), { synchronous: 'OFF' as 'FULL' })).toThrow('synchronous must be NORMAL or FULL, got "OFF"');
    expect(() => openStore(temp.file(), { busyTimeoutMs: -1 })).toThrow('busyTimeoutMs must be a whole number >= 0');
    expect(() => openStore(temp.file(), { maxValueBytes: 1.5 })).toThrow('maxValueBytes must be a whole number');
  });

  it('throws one clear line when the directory does not exist', () => {
    const file = temp.file('missing/dir/kv.db');
    expect(() => openStore(file)).toThrow(`cannot open database "${file}": Cannot open database because the directory does not exist`);
  });

  it('throws one clear line when the file is not a database', () => {
    const file = temp.file('notes.txt');
    writeFileSync(file, 'this is plain text, not SQLite\n'.repeat(100));
    let message = '';
    try {
      openStore(file);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toBe(`cannot open database "${file}": file is not a database`);
  });

  it('throws when the path is a directory', () => {
    expect(() => openStore(temp.dir)).toThrow(/^cannot open database ".*": /);
  });
});

describe('KvStore', () => {
  it('insert refuses an existing key without changing it', () => {
    const store = openStore(temp.file());
    expect(store.insert('a', Buffer.from('1'))).toBe(true);
    expect(store.insert('a', Buffer.from('2'))).toBe(false);
    expect(store.get('a')).toEqual(Buffer.from('1'));
    store.close();
  });

  it('put says created then replaced; delete says whether a key was there', () => {
    const store = openStore(temp.file());
    expect(store.put('a', Buffer.from('1'))).toBe('created');
    expect(store.put('a', Buffer.from('2'))).toBe('replaced');
    expect(store.get('a')).toEqual(Buffer.from('2'));
    expect(store.count()).toBe(1);
    expect(store.delete('a')).toBe(true);
    expect(store.delete('a')).toBe(false);
    expect(store.count()).toBe(0);
    store.close();
  });

  it('keeps keys that differ only after a NUL byte apart', () => {
    const store = openStore(temp.file());
    store.put('a\0b', Buffer.from('1'));
    store.put('a\0c', Buffer.from('2'));
    expect(store.get('a\0b')).toEqual(Buffer.from('1'));
    expect(store.get('a\0c')).toEqual(Buffer.from('2'));
    expect(store.get('a')).toBeUndefined();
    store.close();
  });

  it('refuses empty keys, lone surrogates and values past the limit', () => {
    const store = openStore(temp.file(), { maxValueBytes: 2 });
    expect(() => store.put('', Buffer.from('1'))).toThrow('key must not be empty');
    expect(() => store.insert('\ud800', Buffer.from('1'))).toThrow('lone surrogate');
    expect(() => store.put('a', Buffer.from('123'))).toThrow('value is larger than 2 bytes');
    expect(store.count()).toBe(0);
    store.close();
  });

  it('keeps data across close and reopen, and close folds the WAL into the main file', () => {
    const file = temp.file();
    const first = openStore(file);
    first.put('kept', Buffer.from([0, 1, 2, 255]));
    first.close();
    first.close(); // a second close is harmless
    // TRUNCATE checkpoint: the WAL file is empty (or gone) after a clean close.
    expect(!existsSync(`${file}-wal`) || statSync(`${file}-wal`).size === 0).toBe(true);
    const second = openStore(file);
    expect(second.get('kept')).toEqual(Buffer.from([0, 1, 2, 255]));
    second.close();
  });
});
