import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../servers/kv/index.js';
import { countRowsReadOnly, truncateWal } from '../../servers/kv/index.js';
import { describeWarmup, settled } from '../../harness/run/warm-servers.js';

describe('warm-up until steady', () => {
  it('is steady only when the last three slices agree within the tolerance', () => {
    expect(settled([50, 49], 0.1)).toBe(false); // two slices on one JIT step prove nothing
    expect(settled([160, 64, 62, 55, 46, 45, 48], 0.1)).toBe(true); // 46, 45, 48: within 10%
    expect(settled([160, 64, 62, 55], 0.1)).toBe(false); // 64, 62, 55: 16% apart
    expect(settled([30, 30, Number.NaN], 0.1)).toBe(false); // a slice without a reading
    expect(settled([0, 0, 0], 0.1)).toBe(false);
  });

  it('describes a warm-up that settled, one that did not, and one that was turned off', () => {
    expect(
      describeWarmup({ server: 'sync', concurrency: 8, cpuPerRequestUs: [160, 64, 46, 45, 48], steady: true, elapsedMs: 8_200 }),
    ).toMatch(/sync c=8 .*8\.2 s until its CPU per request was steady \(160 → 64 → 46 → 45 → 48 µs\)/);
    expect(describeWarmup({ server: 'sync', concurrency: 32, cpuPerRequestUs: [300, 200, 150], steady: false, elapsedMs: 15_000 })).toMatch(
      /still not steady after 15\.0 s .*include JIT warm-up/,
    );
    expect(describeWarmup({ server: 'async', concurrency: 8, cpuPerRequestUs: [], steady: false, elapsedMs: 0 })).toMatch(
      /not warmed up until steady \(turned off\)/,
    );
  });
});

describe("a live server's database between measurements", () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('empties the WAL while the server keeps its connection open, and counts rows without writing', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'warm-db-'));
    const file = path.join(dir, 'kv.db');
    const server = openStore(file); // stands in for the live server's connection
    try {
      for (let i = 0; i < 500; i++) server.put(`k${i}`, Buffer.alloc(200, i));
      expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
      truncateWal(file);
      expect(statSync(`${file}-wal`).size).toBe(0);
      // Nothing was lost, and the server's connection still reads and writes.
      expect(countRowsReadOnly(file)).toBe(500);
      expect(server.get('k499')).toEqual(Buffer.alloc(200, 499));
      server.put('k500', Buffer.from('after'));
      expect(countRowsReadOnly(file)).toBe(501);
    } finally {
      server.close();
    }
  });

  it('refuses to call a checkpoint done while a reader holds the old WAL frames', () => {
    dir = mkdtempSync(path.join(tmpdir(), 'warm-db-'));
    const file = path.join(dir, 'kv.db');
    const server = openStore(file);
    try {
      for (let i = 0; i < 50; i++) server.put(`k${i}`, Buffer.from('v'));
      // An open read transaction pins the WAL: a TRUNCATE checkpoint cannot finish.
      server.db.exec('BEGIN');
      server.get('k1');
      expect(() => truncateWal(file)).toThrow(/could not be checkpointed/);
      server.db.exec('COMMIT');
    } finally {
      server.close();
    }
  });
});
