// Synthetic Reports for the gate's unit tests: only the fields the gate reads carry meaning.
import type { Cell, Report, Round, ServerName, WorkloadName } from '../../harness/schema/report-schema.js';

/** Per-round figures of one server: throughput (req/s), p99 (µs) and, optionally, the server's
 *  CPU use in % of one core (100 when not given: a server that is the bottleneck). */
export interface RoundFigures {
  throughput: number;
  p99Us: number;
  cpuPct?: number;
  /** The round's verdict (default ok); 'driver-bound' marks a load generator at its limit. */
  verdict?: 'ok' | 'driver-bound';
}

export type Rounds = Partial<Record<ServerName, RoundFigures[]>>;

const noFailures = { unexpectedStatus: {}, timeouts: 0, connectionErrors: 0, other: {} };

function round(n: number, order: number, f: RoundFigures): Round {
  const latency = {
    minUs: 10,
    meanUs: f.p99Us / 3,
    p50Us: f.p99Us / 4,
    p90Us: f.p99Us / 2,
    p99Us: f.p99Us,
    p999Us: f.p99Us * 2,
    p9999Us: f.p99Us * 3,
    maxUs: f.p99Us * 4,
  };
  const requests = Math.round(f.throughput * 2);
  return {
    round: n,
    order,
    startedAt: '2026-01-01T00:00:00.000Z',
    durationMs: 2000,
    requests,
    expected: requests,
    failures: noFailures,
    throughput: f.throughput,
    successRate: 1,
    latency,
    histogram: '',
    serverCpuPct: f.cpuPct ?? 100,
    serverPeakRssBytes: 1e8,
    serverPeakThreads: 10,
    driverCpuPct: f.verdict === 'driver-bound' ? 98 : 80,
    driverLag: { loopDelayP99Us: 1000, loopDelayMaxUs: 2000 },
    writesAcknowledged: 0,
    verdict: f.verdict ?? 'ok',
    verdictReasons: [],
  };
}

const spread = (v: number) => ({ median: v, min: v, max: v });

function cell(server: ServerName, workload: WorkloadName, concurrency: number, figures: RoundFigures[], firstRound: number): Cell {
  const rounds = figures.map((f, i) => round(firstRound + i, i, f));
  const s = spread(0);
  return {
    server,
    workload,
    concurrency,
    rounds,
    summary: {
      throughput: s,
      successRate: s,
      meanUs: s,
      p50Us: s,
      p90Us: s,
      p99Us: s,
      p999Us: s,
      p9999Us: s,
      maxUs: s,
      serverCpuPct: s,
      serverPeakRssBytes: s,
      serverPeakThreads: s,
      driverCpuPct: s,
    },
    verdict: 'ok',
    verdictReasons: [],
  };
}

export const MACHINE = {
  cpuModel: 'Test CPU',
  cores: 2,
  kernel: '6.1',
  node: 'v20',
  platform: 'linux',
  arch: 'x64',
  totalMemBytes: 4e9,
  fingerprint: 'aaaa1111',
};

/** A Report with the given per-round figures for each workload. */
export function syntheticReport(
  byWorkload: Partial<Record<WorkloadName, Rounds>>,
  opts: { concurrency?: number; fingerprint?: string; firstRound?: number } = {},
): Report {
  const concurrency = opts.concurrency ?? 32;
  const cells: Cell[] = [];
  for (const [workload, servers] of Object.entries(byWorkload) as [WorkloadName, Rounds][]) {
    for (const [server, figures] of Object.entries(servers) as [ServerName, RoundFigures[]][]) {
      cells.push(cell(server, workload, concurrency, figures, opts.firstRound ?? 1));
    }
  }
  return {
    schema: 'mkvss-lab/report',
    version: 2,
    createdAt: '2026-01-01T00:00:00.000Z',
    setup: {
      machine: { ...MACHINE, fingerprint: opts.fingerprint ?? MACHINE.fingerprint },
      command: 'gate',
      servers: ['sync', 'async', 'floor'],
      workloads: Object.keys(byWorkload) as WorkloadName[],
      concurrency: [concurrency],
      durationMs: 2000,
      warmupMs: 500,
      rounds: 3,
      keys: 1000,
      valueSize: 64,
      pipelining: 1,
      driver: { name: 'autocannon', version: '8', driverCpus: null, serverCpus: null, pinned: false, workers: 1 },
    },
    cells,
    comparisons: [],
    preflight: [],
    warnings: [],
  };
}

/** n rounds of a server at `throughput` req/s and `p99Us`, each multiplied by the matching wobble factor. */
export function steady(throughput: number, p99Us: number, wobble: number[] = [1, 1, 1]): RoundFigures[] {
  return wobble.map((w) => ({ throughput: throughput * w, p99Us: p99Us / w }));
}
