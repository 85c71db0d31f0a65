// Both load drivers' accounting against a real async server: crud and mixed, pipelined, pushed
// past what the server can answer. Every response must be checked against the request it answers
// (no unexpected status from a correct server), and the rows in the database afterwards must match
// the writes the driver saw acknowledged, give or take exactly the writes it never saw answered.
// Bounded: 1.2 s of load per case (plus up to 1 s for answers due in the window). Runs the BUILT server (npm test builds first).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, seedDatabase } from '../../servers/kv/index.js';
import { preloadKey } from '../../harness/load/workloads.js';
import { checkRows } from '../../harness/analysis/verdict.js';
import { decodeHistogram } from '../../harness/analysis/stats.js';
import { planCpus } from '../../harness/system/pinning.js';
import type { WorkloadName } from '../../harness/schema/report-schema.js';

// The BUILT harness: it starts the driver scripts and the server CLI from dist/.
import { readyTimeoutFor, runLoad, startServer, stopServer } from './support/built-harness.js';
import { UNPINNED } from '../../harness/system/pinning.js';

const KEYS = 500;
const scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-accounting-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function measure(mode: 'open' | 'closed', workload: WorkloadName, rate?: number, warmupMs = 200) {
  const db = path.join(scratch, `${mode}-${workload}.db`);
  seedDatabase(db, KEYS, 64, preloadKey);
  // Every request spins 300 µs in the server (the gate's fault injection): the server stays slower
  // than the driver, so it is the server the load saturates.
  const server = await startServer('async', db, UNPINNED, { MKVSS_FAULT_DELAY_US: '300' }, readyTimeoutFor('async', 2));
  let load;
  try {
    load = await runLoad(
      {
        mode,
        host: '127.0.0.1',
        port: server.port,
        workload,
        connections: 2,
        pipelining: 4,
        ...(rate !== undefined ? { rate } : {}),
        warmupMs,
        durationMs: 1000,
        keys: KEYS,
        valueSize: 64,
        seed: 7,
        timeoutMs: 1000,
      },
      planCpus(false),
      { onWindowStart: () => {}, onWindowEnd: () => {} },
    );
  } finally {
    await stopServer(server);
  }
  const store = openStore(db);
  const rows = store.count();
  store.close();
  return { load, rows };
}

function expectExactAccounting(load: Awaited<ReturnType<typeof measure>>['load'], rows: number, workload: WorkloadName) {
  expect(load.responses).toBeGreaterThan(20);
  // A correct server answers every request of these workloads with the status it expects; a
  // driver that checks a response against another request sees 200s where 201s belong.
  expect(load.unexpectedStatus).toEqual({});
  expect(load.expected).toBe(load.responses);
  if (workload === 'crud') expect(load.creates).toBeGreaterThan(0);
  const check = checkRows(KEYS, load, rows);
  expect(check, `uncertain creates ${load.uncertainCreates}, deletes ${load.uncertainDeletes}`).toMatchObject({ ok: true });
  if (workload === 'mixed') expect(rows).toBe(KEYS);
}

describe.each(['crud', 'mixed'] as const)('driver accounting, %s, pipelined (4 per connection) and saturated', (workload) => {
  // The closed loop saturates by construction (8 requests always out); its throughput sets the
  // open loop's rate, 1.5x past it, so requests are scheduled on each connection while earlier
  // ones are still out (the case the old open-loop accounting got wrong) whatever the machine.
  let capacity = 0;

  it('closed loop: every response checked against its own request, rows check holds', async () => {
    const { load, rows } = await measure('closed', workload);
    capacity = load.responses / (load.windowMs / 1000);
    expectExactAccounting(load, rows, workload);
  }, 30_000);

  it('open loop at 1.5x that rate: the same, and unanswered requests are timeouts', async () => {
    // No lead-in: the window's first requests meet an empty queue, so some are answered however
    // far the machine's load moved the server since the closed loop measured its capacity (with a
    // 200 ms lead-in, a server slowed by neighbouring tests had every request of the window queued
    // behind the lead-in's past its 1 s timeout: 0 answers, seen in a full CI run).
    const { load, rows } = await measure('open', workload, Math.max(100, Math.round(capacity * 1.5)), 0);
    expectExactAccounting(load, rows, workload);
  }, 30_000);
});

describe("open loop far past the server's limit", () => {
  it('200k req/s: the rows check still holds, nothing is checked against the wrong request, and unanswered requests count with their age', async () => {
    const { load, rows } = await measure('open', 'crud', 200_000);
    expect(load.unexpectedStatus).toEqual({});
    expect(load.timeouts).toBeGreaterThan(0);
    expect(checkRows(KEYS, load, rows).ok).toBe(true);
    // Every request due in the window is in the latency histogram: answered ones with their
    // latency, timed-out ones with their age (at least the 1 s timeout), none dropped.
    expect(load.latencyCount).toBe(load.responses + load.timeouts);
    expect(decodeHistogram(load.histogram).maxValue).toBeGreaterThanOrEqual(1_000_000);
  }, 30_000);
});
