// Bulk preload before a benchmark: `count` keys with deterministic values, in one transaction.
// Values are derived from the index, so a run can check what it reads without keeping a copy.
import { keyProblem } from './keys.js';
import { openStore } from './store.js';

/**
 * The value the seeder stores for index `i`: `valueSize` bytes cycling through 0x00-0xFF, starting
 * at `i mod 256`. Different neighbouring keys get different values, and every byte value appears.
 */
export function seedValue(i: number, valueSize: number): Buffer {
  return seedPattern(valueSize).subarray(i % 256, (i % 256) + valueSize);
}

function seedPattern(valueSize: number): Buffer {
  const pattern = Buffer.allocUnsafe(valueSize + 256);
  for (let j = 0; j < pattern.length; j++) pattern[j] = j & 0xff;
  return pattern;
}

/**
 * Stores `count` keys `keyOf(0)` .. `keyOf(count - 1)` in `file` (created when missing), each with
 * `seedValue(i, valueSize)`. Existing keys are overwritten, so seeding twice gives the same data.
 */
export function seedDatabase(file: string, count: number, valueSize: number, keyOf: (i: number) => string): void {
  if (!Number.isSafeInteger(count) || count < 0) throw new Error(`seed count must be a whole number >= 0, got ${count}`);
  if (!Number.isSafeInteger(valueSize) || valueSize < 0) {
    throw new Error(`seed value size must be a whole number of bytes >= 0, got ${valueSize}`);
  }
  const store = openStore(file);
  try {
    // The pattern is built once; each value is a view into it (better-sqlite3 copies on bind).
    const pattern = seedPattern(valueSize);
    // A plain upsert: the store's put() nests a savepoint per row inside this transaction, and
    // seeding does not need to know whether a key was new.
    const upsert = store.db.prepare('INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    const seedAll = store.db.transaction(() => {
      for (let i = 0; i < count; i++) {
        const key = keyOf(i);
        if (typeof key !== 'string') throw new Error(`keyOf(${i}) returned a ${typeof key}, not a string`);
        const problem = keyProblem(key);
        if (problem !== undefined) throw new Error(`keyOf(${i}) gave an unusable key: ${problem}`);
        upsert.run(key, pattern.subarray(i % 256, (i % 256) + valueSize));
      }
    });
    seedAll.immediate();
  } finally {
    store.close();
  }
}
