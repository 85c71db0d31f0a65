// The benchmark preload: exact count, deterministic values, idempotent, clear errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { seedDatabase, seedValue } from '../../servers/kv/seed.js';
import { openStore } from '../../servers/kv/store.js';
import { tempDirectory } from './temp-database.js';

let temp: ReturnType<typeof tempDirectory>;
beforeEach(() => {
  temp = tempDirectory();
});
afterEach(() => temp.cleanup());

describe('seedDatabase', () => {
  it('stores count keys with the values seedValue describes', () => {
    seedDatabase(temp.file(), 600, 40, (i) => `key-${i}`);
    const store = openStore(temp.file());
    try {
      expect(store.count()).toBe(600);
      for (const i of [0, 1, 255, 256, 599]) {
        const value = store.get(`key-${i}`);
        expect(value).toEqual(seedValue(i, 40));
        expect(value![0]).toBe(i % 256);
        expect(value![39]).toBe((i + 39) % 256);
      }
      expect(store.get('key-600')).toBeUndefined();
    } finally {
      store.close();
    }
  });

  it('gives the same data when run twice, and overwrites earlier values', () => {
    const store = openStore(temp.file());
    store.put('key-3', Buffer.from('stale'));
    store.close();
    seedDatabase(temp.file(), 10, 8, (i) => `key-${i}`);
    seedDatabase(temp.file(), 10, 8, (i) => `key-${i}`);
    const reopened = openStore(temp.file());
    expect(reopened.count()).toBe(10);
    expect(reopened.get('key-3')).toEqual(seedValue(3, 8));
    reopened.close();
  });

  it('supports empty values and zero keys', () => {
    seedDatabase(temp.file(), 0, 8, (i) => `k${i}`);
    seedDatabase(temp.file(), 2, 0, (i) => `k${i}`);
    const store = openStore(temp.file());
    expect(store.get('k1')).toEqual(Buffer.alloc(0));
    store.close();
  });

  it('refuses bad arguments and bad keys, storing nothing from a failed run', () => {
    expect(() => seedDatabase(temp.file(), -1, 8, String)).toThrow('seed count must be a whole number >= 0, got -1');
    expect(() => seedDatabase(temp.file(), 1, 2.5, String)).toThrow('seed value size must be a whole number');
    expect(() => seedDatabase(temp.file(), 5, 8, (i) => (i === 3 ? '' : `k${i}`))).toThrow(
      'keyOf(3) gave an unusable key: key must not be empty',
    );
    const store = openStore(temp.file());
    expect(store.count()).toBe(0); // one transaction: all or nothing
    store.close();
  });
});
