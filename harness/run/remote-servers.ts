// Server lifecycle "remote" (`compare --target NAME=http://HOST:PORT`): servers that already run
// elsewhere, ours or anyone's with the same API. The lab starts, stops and samples nothing: a
// target is a host and a port.
//
// What that costs, and what the run does instead:
// - No preloaded database: the first acquire of a target PUTs the --keys preload keys over HTTP
//   (a few connections, keep-alive), once per target; the keys are left there afterwards.
// - No CPU, RSS or threads: the load result says NaN (the report prints "remote: not sampled").
// - No rows check: the API cannot count keys, so release checks nothing (reported as "not
//   checked (remote)", never as ok).
// - No CPU per request for the warm-up until steady: the rule's basis is throughput instead
//   (compare.ts sets it), three slices within 10% on req/s.
// - The server stays up across rounds (like a kept one): warmed once per (target, concurrency).
// - Pre-flight writes and deletes its three keys on the target, then GETs each to check none was
//   left (instead of counting rows).
import http from 'node:http';
import type { ServerName, WorkloadName } from '../schema/report-schema.js';
import type { CompareSettings, RemoteTarget } from './settings.js';
import type { CpuPlan } from '../system/pinning.js';
import { runLoad, type WindowHooks } from '../load/run-load.js';
import { preloadKey } from '../load/workloads.js';
import { seedValue } from '../../servers/kv/index.js';
import { PREFLIGHT_KEY_PATHS, runScript, send } from './preflight.js';
import type { LiveServer, LoadRequest, LoadResult, RowsCheck, ServerLifecycle, SlicedLoad } from './lifecycle.js';
import { warmupWorkload, type SteadyWarmup, type WarmupRecord } from './steady-warmup.js';

/** Connections the seeding uses: enough to hide a network round trip, few enough for any server. */
const SEED_CONNECTIONS = 8;

/** A PUT per key, `connections` at a time on keep-alive sockets; throws on the first status
 *  other than 200/201 or on a network error, naming the key. */
export async function seedOverHttp(
  target: Pick<RemoteTarget, 'host' | 'port' | 'name'>,
  keys: number,
  valueSize: number,
  connections = SEED_CONNECTIONS,
): Promise<void> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  let next = 0;
  const putOne = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const body = seedValue(i, valueSize);
      const path = `/keys/${preloadKey(i)}`;
      const req = http.request(
        { host: target.host, port: target.port, method: 'PUT', path, agent, timeout: 10_000, headers: { 'content-length': body.length } },
        (res) => {
          res.resume();
          res.on('end', () =>
            res.statusCode === 200 || res.statusCode === 201
              ? resolve()
              : reject(new Error(`seeding ${target.name}: PUT ${path} answered ${res.statusCode}, expected 200 or 201`)),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', (err) => reject(new Error(`seeding ${target.name}: PUT ${path} failed: ${err.message}`)));
      req.end(body);
    });
  const worker = async () => {
    while (next < keys) await putOne(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(connections, keys) }, worker));
  } finally {
    agent.destroy();
  }
}

export class RemoteServers implements ServerLifecycle {
  readonly kind = 'remote' as const;
  readonly warmups: WarmupRecord[] = [];
  readonly warmupOn: WorkloadName;
  readonly steady: SteadyWarmup;
  private readonly targets = new Map<ServerName, RemoteTarget>();
  private readonly seeded = new Set<ServerName>();
  private readonly live = new Map<string, LiveServer>();

  constructor(
    targets: readonly RemoteTarget[],
    private readonly settings: CompareSettings,
    private readonly plan: CpuPlan,
    steady: SteadyWarmup,
  ) {
    for (const t of targets) this.targets.set(t.name, t);
    this.steady = { ...steady, basis: 'throughput' };
    this.warmupOn = warmupWorkload(settings.workloads);
  }

  private target(server: ServerName): RemoteTarget {
    const t = this.targets.get(server);
    if (!t) throw new Error(`${server} is not one of the --target servers`);
    return t;
  }

  async preflight(server: ServerName) {
    const t = this.target(server);
    const answers = await runScript(t.port, undefined, t.host);
    // The rows it left: each key the script wrote must be gone (the API cannot count rows).
    let rowsLeft = 0;
    if (answers.every((a) => a.status !== 0)) {
      for (const path of PREFLIGHT_KEY_PATHS) {
        const a = await send(t.port, { method: 'GET', path, expect: 404 }, 5000, t.host).catch(() => ({ status: 0 }));
        if (a.status !== 404) rowsLeft++;
      }
    }
    return { answers, rowsLeft };
  }

  acquireNote(server: ServerName): string | undefined {
    return this.seeded.has(server) ? undefined : `seeding ${this.settings.keys.toLocaleString('en-US')} keys over HTTP (once per target)`;
  }

  /** The target at `concurrency`: seeded on its first acquire, then cold once per concurrency. */
  async acquire(server: ServerName, concurrency: number): Promise<LiveServer> {
    const t = this.target(server);
    if (!this.seeded.has(server)) {
      await seedOverHttp(t, this.settings.keys, this.settings.valueSize);
      this.seeded.add(server);
    }
    const key = `${server}|${concurrency}`;
    const existing = this.live.get(key);
    if (existing) return existing;
    const live: LiveServer = { server, concurrency, host: t.host, port: t.port, pid: null, db: null, cold: true };
    this.live.set(key, live);
    return live;
  }

  prepare(): void {
    // Nothing to reset: the target's state is its own.
  }

  async load(live: LiveServer, request: LoadRequest, hooks: Partial<WindowHooks> = {}, slices?: SlicedLoad): Promise<LoadResult> {
    // A slice's requests from the driver's cumulative counts; the server's CPU is not visible (NaN),
    // so a remote warm-up judges steadiness by throughput.
    let lastRequests = 0;
    const load = await runLoad(
      { ...request, host: live.host, port: live.port, cannedOk: false },
      this.plan,
      {
        onWindowStart: () => hooks.onWindowStart?.(),
        onWindowEnd: () => hooks.onWindowEnd?.(),
      },
      slices && {
        everyMs: slices.everyMs,
        onSlice: (count) => {
          const slice = { requests: count.requests - lastRequests, serverCpuUs: Number.NaN, elapsedMs: 0 };
          lastRequests = count.requests;
          return slices.onSlice(slice);
        },
      },
    );
    return { load, server: { cpuPct: Number.NaN, peakRssBytes: Number.NaN, peakThreads: Number.NaN } };
  }

  /** Stays up; nothing can be checked (the report says so). */
  async release(live: LiveServer): Promise<RowsCheck | null> {
    live.cold = false;
    return null;
  }

  async close(): Promise<void> {
    this.live.clear();
  }

  kill(): void {
    this.live.clear();
  }
}
