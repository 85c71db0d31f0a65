// Many connections: N idle keep-alive connections (each has made one request and stays open)
// plus the normal load.
//
// async: every connection is served at once. All N get their first answer, the normal load runs
// at 100% while they are held, then each of the N makes a second request on the SAME connection
// and must be answered (none was dropped).
//
// sync: thread-per-connection with a cap (--max-threads). The normal load connects first and
// owns its threads; then the N idle connections come. At most `cap` connections are being served
// at any time, the rest wait in the kernel's accept backlog (docs/SYNC.md) — not refused, not
// reset. While the threads are all held the normal load still runs at 100%. Then the served idle
// connections are closed, wave after wave, and every waiting one must get its answer as threads
// free up: all N answered 200, none failed.
import { expect } from 'vitest';
import { startServer } from '../e2e/support/server-process.js';
import type { ServerKind } from '../../servers/server-kinds.js';
import { mapLimit, rejectionSummary, sleep } from './support/concurrency.js';
import { KeepAliveClient } from './support/keep-alive-client.js';
import { mib, readProcStatus } from './support/proc-status.js';
import { runVerifiedLoad, type VerifiedLoadResult } from './support/verified-load.js';
import { must } from '../../harness/must.js';

export interface ManyConnectionsOptions {
  kind: ServerKind;
  idleConnections: number;
  /** sync only: --max-threads. */
  threadCap: number;
  /** sync only: --threads (the floor started up front; growing to the cap one step at a time
   *  is slow on a busy machine, so the short variant starts at the cap). */
  threadFloor: number;
  normalConnections: number;
  normalLoadMs: number;
  timeLimitMs: number;
}

export interface ManyConnectionsResult {
  kind: ServerKind;
  idleConnections: number;
  /** Idle connections whose first request was answered 200. */
  firstAnswered: number;
  /** async: answered again on the same connection after the load. sync: n/a (they were closed in waves). */
  secondAnswered: number;
  failures: string;
  normal: VerifiedLoadResult;
  /** sync: the most idle connections answered-and-open at once (must be <= cap). */
  maxServedAtOnce: number;
  /** sync: idle connections served while the normal load held its threads (<= cap - normal). */
  servedDuringHold: number;
  /** sync: release waves needed to serve everyone. */
  waves: number;
  peakThreads: number;
  peakRssMiB: number;
  openMs: number;
}

const HEALTH = Buffer.from('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');

export async function runManyConnections(o: ManyConnectionsOptions): Promise<ManyConnectionsResult> {
  const flags = ['--idle-timeout', '10m', '--request-timeout', '10m'];
  if (o.kind === 'sync') flags.push('--threads', String(o.threadFloor), '--max-threads', String(o.threadCap));
  const server = await startServer(o.kind, flags);
  const pid = server.child.pid!;
  let peakThreads = 0;
  const sampler = setInterval(() => {
    try {
      peakThreads = Math.max(peakThreads, readProcStatus(pid).threads);
    } catch {
      // gone; the assertions on answers will say so
    }
  }, 50);
  const idle: KeepAliveClient[] = [];
  const normalClients: KeepAliveClient[] = [];
  const deadline = Date.now() + o.timeLimitMs;
  try {
    // The normal load connects first and proves its connections are served.
    for (let i = 0; i < o.normalConnections; i++) {
      const c = await KeepAliveClient.connect(server.port);
      normalClients.push(c);
      const r = await c.request(HEALTH, { timeoutMs: 30_000 });
      if (r.status !== 200) throw new Error(`normal connection ${i}: /health answered ${r.status}`);
    }

    // Open the idle connections; each sends one request as soon as it is connected. async
    // answers them all; sync answers up to its cap and the rest wait in the backlog. Connecting
    // runs in the background, in batches: past the backlog (somaxconn) the kernel drops SYNs and
    // those clients retry (1 s, 3 s, 7 s...), so on sync some connects only complete once the
    // release waves below have made room.
    const openStart = Date.now();
    let answeredNow = 0;
    const settled: boolean[] = new Array(o.idleConnections).fill(false);
    const firstAnswers: Array<Promise<unknown>> = [];
    for (let i = 0; i < o.idleConnections; i++) {
      firstAnswers.push(
        (async () => {
          // Batches of 500: connect storms are the kernel's to queue, but not all at once.
          await sleep(Math.floor(i / 500) * 50);
          const c = await KeepAliveClient.connect(server.port, Math.max(1_000, deadline - Date.now()));
          idle[i] = c;
          const r = await c.request(HEALTH, { timeoutMs: Math.max(1_000, deadline - Date.now()) });
          answeredNow++;
          if (r.status !== 200) throw new Error(`status ${r.status}`);
        })().finally(() => (settled[i] = true)),
      );
    }
    const settledFirst = Promise.allSettled(firstAnswers);

    let maxServedAtOnce = 0;
    let servedDuringHold = 0;
    let waves = 0;
    let secondAnswered = 0;
    let normal: VerifiedLoadResult;
    let openMs: number;

    if (o.kind === 'async') {
      await settledFirst;
      openMs = Date.now() - openStart;
      normal = await runVerifiedLoad({
        port: server.port,
        connections: o.normalConnections,
        clients: normalClients,
        maxRequests: 1_000_000,
        timeLimitMs: o.normalLoadMs,
        keyPrefix: 'many',
      });
      const second = await mapLimit(o.idleConnections, 500, async (i) => {
        const r = await must(idle[i], `idle connection ${i}`).request(HEALTH, { timeoutMs: 30_000 });
        if (r.status !== 200) throw new Error(`status ${r.status}`);
      });
      secondAnswered = second.filter((s) => s.status === 'fulfilled').length;
      maxServedAtOnce = o.idleConnections;
    } else {
      // Let the pool grow to its cap (every thread but the normal load's serving an idle
      // connection), then give it a moment to overshoot if it were going to.
      const full = o.threadCap - o.normalConnections;
      while (answeredNow < full && Date.now() < deadline) await sleep(50);
      openMs = Date.now() - openStart;
      await sleep(1_000);
      servedDuringHold = answeredNow;
      maxServedAtOnce = answeredNow;
      normal = await runVerifiedLoad({
        port: server.port,
        connections: o.normalConnections,
        clients: normalClients,
        maxRequests: 1_000_000,
        timeLimitMs: o.normalLoadMs,
        keyPrefix: 'many',
      });
      // Release in waves: close every idle connection that has been answered; the threads go
      // back to accept() and take the next waiting connections.
      const released = new Set<number>();
      while (released.size < o.idleConnections && Date.now() < deadline) {
        let closedThisWave = 0;
        for (let i = 0; i < o.idleConnections; i++) {
          if (settled[i] && !released.has(i)) {
            released.add(i);
            idle[i]?.close();
            closedThisWave++;
          }
        }
        if (closedThisWave > 0) waves++;
        await sleep(50);
        const servedNow = settled.filter((s, i) => s && !released.has(i)).length;
        maxServedAtOnce = Math.max(maxServedAtOnce, servedNow);
      }
    }

    const first = await settledFirst;
    const firstAnswered = first.filter((s) => s.status === 'fulfilled').length;
    return {
      kind: o.kind,
      idleConnections: o.idleConnections,
      firstAnswered,
      secondAnswered,
      failures: rejectionSummary(first),
      normal,
      maxServedAtOnce,
      servedDuringHold,
      waves,
      peakThreads,
      peakRssMiB: mib(readProcStatus(pid).vmHwmKb),
      openMs,
    };
  } finally {
    clearInterval(sampler);
    for (const c of [...idle, ...normalClients]) c?.close();
    await server.stop('SIGTERM', 20_000);
  }
}

export function describeManyConnections(r: ManyConnectionsResult): string {
  const how =
    r.kind === 'async'
      ? `all held at once, ${r.secondAnswered} answered again on the same connection`
      : `${r.servedDuringHold} served while the normal load held its threads, at most ${r.maxServedAtOnce} at once, the rest waited and were served in ${r.waves} release waves`;
  return (
    `[reliability] many connections ${r.kind}: ${r.firstAnswered}/${r.idleConnections} idle keep-alive connections answered (${how}; ` +
    `first answers after ${r.openMs} ms), normal load ${r.normal.succeeded}/${r.normal.requests} ok, ` +
    `peak threads ${r.peakThreads}, peak RSS ${r.peakRssMiB} MiB${r.failures ? `, failures: ${r.failures}` : ''}`
  );
}

/** Node's own threads in the sync process besides the pool (main, libuv pool, V8 helpers). */
const NON_POOL_THREADS = 16;

/** What both variants require of a run (the short and the soak differ only in their sizes). */
export function expectManyConnectionsHeld(r: ManyConnectionsResult, o: ManyConnectionsOptions): void {
  expect(r.failures).toBe('');
  expect(r.firstAnswered).toBe(o.idleConnections);
  expect(r.normal.failures).toEqual([]);
  expect(r.normal.succeeded).toBe(r.normal.requests);
  expect(r.normal.requests).toBeGreaterThan(0);
  if (o.kind === 'async') {
    expect(r.secondAnswered).toBe(o.idleConnections);
  } else {
    // The cap held: while the normal load owned its threads, the idle connections got the rest
    // and no more; after it left, all of them...
    expect(r.servedDuringHold).toBe(o.threadCap - o.normalConnections);
    expect(r.maxServedAtOnce).toBeLessThanOrEqual(o.threadCap);
    expect(r.peakThreads).toBeLessThanOrEqual(o.threadCap + NON_POOL_THREADS);
    // ...and the others really waited for threads to free up.
    expect(r.waves).toBeGreaterThanOrEqual(Math.ceil(o.idleConnections / o.threadCap));
  }
}
