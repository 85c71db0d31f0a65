// Server lifecycle "fake": no processes, no sockets. Every load returns a synthetic outcome from a
// model of each server (its throughput and CPU per request as it warms up; a warm-up load reports
// its slices the way the net driver's does), and every call is logged, so the scheduler, the warm-up rule, the summaries, the ceiling and the verdicts are
// unit-tested without starting a server (hyperfine's MockExecutor is the model).
import type { ServerName } from '../schema/report-schema.js';
import type { LoadOutcome, WindowHooks } from '../load/run-load.js';
import { encodeHistogram, newLatencyHistogram } from '../analysis/stats.js';
import { PREFLIGHT_SCRIPT } from './preflight.js';
import type { LiveServer, LoadRequest, LoadResult, RowsCheck, ServerLifecycle, SlicedLoad } from './lifecycle.js';
import type { SteadyWarmup, WarmupRecord } from './steady-warmup.js';
import { must } from '../must.js';

/** How a fake server performs on its `loadIndex`-th load since it started (0 = the first). */
export interface FakePerformance {
  throughput: number;
  cpuPerRequestUs: number;
  /** Driver CPU, % of one core (default 50). */
  driverCpuPct?: number;
  /** The driver's event-loop delay p99 (µs) the fake reports; 1 ms when omitted (a driver keeping up). */
  driverLagP99Us?: number;
  /** Acknowledged creates of this load (or warm-up slice): they go into the rows check. Default 0. */
  netCreates?: number;
}

export type FakeModel = (server: ServerName, loadIndex: number, concurrency: number) => FakePerformance;

export class FakeServers implements ServerLifecycle {
  readonly warmups: WarmupRecord[] = [];
  /** Every call, in order ("acquire sync c=50", "load sync get 5000ms", "release sync"). */
  readonly calls: string[] = [];
  /** Simulated time, ms: loads advance it by their length (the warm-up's cap is read from it). */
  clock = 0;
  private pid = 1000;
  private readonly loads = new Map<LiveServer, number>();
  /** Acknowledged creates per live server, warm-up included: the rows check expects 100 + these. */
  private readonly created = new Map<LiveServer, number>();
  private readonly kept = new Map<string, LiveServer>();

  constructor(
    private readonly model: FakeModel,
    readonly steady: SteadyWarmup,
    /** 'kept': one live server per (server, concurrency) across rounds, like WarmServers. */
    readonly kind: 'fresh' | 'kept' = 'fresh',
    /** Servers whose pre-flight answers a wrong status on the first step. */
    private readonly failPreflight: readonly ServerName[] = [],
  ) {}

  async preflight(server: ServerName) {
    this.calls.push(`preflight ${server}`);
    const answers = PREFLIGHT_SCRIPT.map((s, i) => ({
      status: i === 0 && this.failPreflight.includes(server) ? 500 : s.expect,
      body: `${s.method} ${s.path}`,
      headers: {},
    }));
    return { answers, rowsLeft: 0 };
  }

  async acquire(server: ServerName, concurrency: number): Promise<LiveServer> {
    this.calls.push(`acquire ${server} c=${concurrency}`);
    const key = `${server}|${concurrency}`;
    const kept = this.kind === 'kept' ? this.kept.get(key) : undefined;
    if (kept) return kept;
    const live: LiveServer = {
      server,
      concurrency,
      host: '127.0.0.1',
      port: 1,
      pid: ++this.pid,
      db: server === 'floor' ? null : `fake-${this.pid}.db`,
      cold: true,
    };
    this.loads.set(live, 0);
    if (this.kind === 'kept') this.kept.set(key, live);
    return live;
  }

  prepare(): void {}

  /**
   * A load on the model. Each warm-up slice of a load in slices counts as one load of the model
   * (the `loadIndex` goes up per slice), so a model says how CPU per request moves slice by slice.
   */
  async load(live: LiveServer, request: LoadRequest, hooks: Partial<WindowHooks> = {}, slices?: SlicedLoad): Promise<LoadResult> {
    const index = this.loads.get(live);
    if (index === undefined) throw new Error(`the fake ${live.server} server was already released`);
    hooks.onWindowStart?.();
    const parts: Array<{ perf: FakePerformance; ms: number }> = [];
    if (slices) {
      for (let k = 0; k * slices.everyMs < request.durationMs; k++) {
        const perf = this.model(live.server, index + k, live.concurrency);
        const ms = Math.min(slices.everyMs, request.durationMs - k * slices.everyMs);
        this.clock += ms;
        parts.push({ perf, ms });
        // A slice shorter than everyMs (the load's end) is not reported, as with a real driver.
        if (ms < slices.everyMs) break;
        const requests = Math.round((perf.throughput * ms) / 1000);
        if (slices.onSlice({ requests, serverCpuUs: perf.cpuPerRequestUs * requests, elapsedMs: (k + 1) * slices.everyMs })) break;
      }
      this.calls.push(`load ${live.server} ${request.workload} ${parts.length}×${slices.everyMs}ms`);
    } else {
      this.calls.push(`load ${live.server} ${request.workload} ${request.durationMs}ms`);
      this.clock += request.warmupMs;
      this.clock += request.durationMs;
      parts.push({ perf: this.model(live.server, index, live.concurrency), ms: request.durationMs });
    }
    this.loads.set(live, index + (slices ? parts.filter((p) => p.ms === slices.everyMs).length : 1));
    hooks.onWindowEnd?.();
    const windowMs = parts.reduce((a, p) => a + p.ms, 0);
    const requests = parts.reduce((a, p) => a + Math.round((p.perf.throughput * p.ms) / 1000), 0);
    const cpuUs = parts.reduce((a, p) => a + p.perf.cpuPerRequestUs * Math.round((p.perf.throughput * p.ms) / 1000), 0);
    const perf = must(parts.at(-1), 'a part (every load has at least one)').perf;
    const netCreates = parts.reduce((a, p) => a + (p.perf.netCreates ?? 0), 0);
    this.created.set(live, (this.created.get(live) ?? 0) + netCreates);
    const throughput = windowMs > 0 ? (requests * 1000) / windowMs : 0;
    // Little's law: every connection has one request in flight.
    const latencyUs = requests > 0 ? Math.round((request.connections * 1e6) / throughput) : 0;
    const h = newLatencyHistogram();
    if (requests > 0) h.recordValueWithCount(latencyUs, requests);
    const load: LoadOutcome = {
      requests,
      responses: requests,
      expected: requests,
      unexpectedStatus: {},
      timeouts: 0,
      connectionErrors: 0,
      other: {},
      creates: 0,
      deletes: 0,
      writesAcknowledged: 0,
      histogram: encodeHistogram(h),
      latencySumUs: latencyUs * requests,
      latencyCount: requests,
      windowMs,
      netCreates,
      uncertainCreates: 0,
      uncertainDeletes: 0,
      driverCpuPct: perf.driverCpuPct ?? 50,
      driverProcesses: 1,
      loopDelayP99Us: perf.driverLagP99Us ?? 1_000,
      loopDelayMaxUs: perf.driverLagP99Us ?? 1_000,
      sendLagP99Us: null,
    };
    const cpuPct = windowMs > 0 ? cpuUs / (windowMs * 10) : 0;
    return { load, server: { cpuPct, peakRssBytes: 50e6, peakThreads: live.server === 'sync' ? live.concurrency : 7 } };
  }

  async release(live: LiveServer, onPhase: (phase: 'stopping' | 'checking rows') => void = () => {}): Promise<RowsCheck | null> {
    this.calls.push(`release ${live.server}`);
    const created = this.created.get(live);
    if (this.kind === 'fresh') {
      onPhase('stopping');
      this.loads.delete(live);
      this.created.delete(live);
    } else live.cold = false;
    if (live.db === null) return null;
    onPhase('checking rows');
    const rows = 100 + (created ?? 0);
    return { expectedRows: rows, actualRows: rows, ok: true, ...(this.kind === 'kept' ? { cumulative: true } : {}) };
  }

  async close(): Promise<void> {
    this.calls.push('close');
  }

  kill(): void {
    this.calls.push('kill');
  }
}
