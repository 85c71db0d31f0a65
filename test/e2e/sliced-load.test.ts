// A load in slices (the continuous warm-up's load) against a real async server: the net driver
// answers the harness's counts at each slice boundary, ends its window as soon as the harness says
// stop (long before its durationMs), and its writes are accounted for exactly like any load's, so
// the rows check still holds after a warm-up stopped mid-run. Runs the BUILT harness from dist/.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, seedDatabase } from '../../servers/kv/index.js';
import { preloadKey } from '../../harness/load/workloads.js';
import { checkRows } from '../../harness/analysis/verdict.js';
import { planCpus } from '../../harness/system/pinning.js';
import { must } from '../../harness/must.js';

// The BUILT harness: it starts the driver scripts and the server CLI from dist/.
import { readyTimeoutFor, runLoad, startServer, stopServer } from './support/built-harness.js';
import { UNPINNED } from '../../harness/system/pinning.js';

const KEYS = 500;
const scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-sliced-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('a load in slices', () => {
  it('counts per slice, stops when told, and its writes hold up in the rows check', async () => {
    const db = path.join(scratch, 'crud.db');
    seedDatabase(db, KEYS, 64, preloadKey);
    // 300 µs spun per request: the server, not the driver, sets the pace, whatever the machine.
    const server = await startServer('async', db, UNPINNED, { MKVSS_FAULT_DELAY_US: '300' }, readyTimeoutFor('async', 4));
    const slices: Array<{ requests: number; responses: number }> = [];
    let load;
    try {
      load = await runLoad(
        {
          mode: 'closed',
          driver: 'net',
          host: '127.0.0.1',
          port: server.port,
          workload: 'crud',
          connections: 4,
          pipelining: 2,
          warmupMs: 0,
          durationMs: 60_000,
          keys: KEYS,
          valueSize: 64,
          seed: 3,
          timeoutMs: 1000,
        },
        planCpus(false),
        { onWindowStart: () => {}, onWindowEnd: () => {} },
        { everyMs: 200, onSlice: (count) => slices.push(count) >= 3 },
      );
    } finally {
      await stopServer(server);
    }
    // Stopped after the third slice, not at 60 s.
    expect(slices).toHaveLength(3);
    expect(load.windowMs).toBeLessThan(30_000);
    // Counts are cumulative and grow slice by slice; the result covers at least what they saw.
    const [first, second, third] = slices.map((s) => s.requests);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(must(first, 'slice 1'));
    expect(third).toBeGreaterThan(must(second, 'slice 2'));
    expect(load.requests).toBeGreaterThanOrEqual(must(third, 'slice 3'));
    expect(load.unexpectedStatus).toEqual({});
    expect(load.creates).toBeGreaterThan(0);
    const store = openStore(db);
    const rows = store.count();
    store.close();
    expect(checkRows(KEYS, load, rows), `uncertain creates ${load.uncertainCreates}, deletes ${load.uncertainDeletes}`).toMatchObject({
      ok: true,
    });
  }, 30_000);

  it('is refused for a driver that cannot count mid-load', async () => {
    await expect(
      runLoad(
        {
          mode: 'closed',
          driver: 'autocannon',
          host: '127.0.0.1',
          port: 1,
          workload: 'get',
          connections: 1,
          pipelining: 1,
          warmupMs: 0,
          durationMs: 1000,
          keys: KEYS,
          valueSize: 64,
          seed: 3,
          timeoutMs: 1000,
        },
        planCpus(false),
        { onWindowStart: () => {}, onWindowEnd: () => {} },
        { everyMs: 200, onSlice: () => true },
      ),
    ).rejects.toThrow(/needs the net closed-loop driver/);
  });
});
