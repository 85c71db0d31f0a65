// report.json, version 1: everything one `mkvss-lab compare` run measured, raw enough to be merged
// and re-analysed later (every round's figures and its encoded HDR histogram are kept).
//
// Producer: harness/compare (the run). Consumers: harness/render-* (terminal, Markdown, charts, HTML)
// and harness/gate. Times are microseconds (suffix Us), sizes bytes, rates per second.

export const REPORT_SCHEMA = 'mkvss-lab/report';
export const REPORT_VERSION = 1;

export type ServerName = 'sync' | 'async' | 'reference' | 'floor';
export type WorkloadName = 'get' | 'put' | 'mixed' | 'crud';
export type Verdict = 'ok' | 'driver-bound' | 'suspect';

export interface Report {
  schema: typeof REPORT_SCHEMA;
  version: typeof REPORT_VERSION;
  /** ISO 8601 start time of the run. */
  createdAt: string;
  label?: string;
  setup: Setup;
  /** One cell per (server, workload, concurrency); rounds inside. */
  cells: Cell[];
  /** Candidate vs baseline per (workload, concurrency), e.g. async vs sync. */
  comparisons: Comparison[];
  /** Scripted pre-flight: both servers gave the same statuses and bodies. */
  preflight: Preflight[];
  /** What the driver alone can do here: load against the floor server (omitted if skipped). */
  driverCeiling?: {
    workload: WorkloadName;
    concurrency: number;
    /** The median over the ceiling's slots (one per round when measured between rounds). */
    throughput: number;
    driverCpuPct: number;
    /** Its spread over the slots, when measured between rounds. */
    spread?: Spread;
    slots?: number;
    /** A server measured above the ceiling's range: the ceiling was itself held back (undercut). */
    undercut?: boolean;
  };
  /** Human-readable warnings shown under every table (driver-bound rows, foreign pinning, ...). */
  warnings: string[];
}

export interface Machine {
  cpuModel: string;
  cores: number;
  kernel: string;
  node: string;
  platform: string;
  arch: string;
  totalMemBytes: number;
  /** Stable short hash of cpuModel|cores|kernel|node|arch: "same machine?" checks. */
  fingerprint: string;
}

export interface Setup {
  machine: Machine;
  /** The command line as typed (argv after the program name). */
  command: string;
  servers: ServerName[];
  workloads: WorkloadName[];
  concurrency: number[];
  durationMs: number;
  warmupMs: number;
  rounds: number;
  keys: number;
  valueSize: number;
  pipelining: number;
  /** Open-loop offered rate (req/s), when --rate was given; latency then is CO-corrected. */
  rate?: number;
  /** Present when servers stayed up across rounds (the gate): how each one was warmed up first,
   *  in slices of load until its CPU per request settled. Absent: a fresh server per measurement. */
  warmServers?: Array<{ server: ServerName; concurrency: number; cpuPerRequestUs: number[]; steady: boolean; elapsedMs: number }>;
  /** Where the servers came from: a fresh process per measurement, or kept up across rounds. */
  lifecycle?: 'fresh' | 'kept';
  /** The warm-up-until-steady rule cold servers went through before they were measured. */
  steadyWarmup?: { sliceMs: number; tolerance: number; maxMs: number };
  driver: {
    name: string; // "autocannon" (closed loop) or the open-loop driver's name
    version: string;
    /** CPUs the driver was pinned to (taskset list), or null when unpinned. */
    driverCpus: string | null;
    serverCpus: string | null;
    pinned: boolean;
    workers: number;
  };
}

export interface LatencySummary {
  minUs: number;
  meanUs: number;
  p50Us: number;
  p90Us: number;
  p99Us: number;
  p999Us: number;
  p9999Us: number;
  maxUs: number;
}

export interface FailureBreakdown {
  /** Responses whose status the workload did not expect, by status code. */
  unexpectedStatus: Record<string, number>;
  timeouts: number;
  connectionErrors: number;
  /** Any other error, by message. */
  other: Record<string, number>;
}

export interface Round {
  /** 1-based round number. */
  round: number;
  /** Position in the interleaved schedule (0-based), to see drift. */
  order: number;
  startedAt: string;
  durationMs: number;
  requests: number;
  /** Responses with the status the workload expected. */
  expected: number;
  failures: FailureBreakdown;
  /** expected responses per second. */
  throughput: number;
  /** expected / requests (1 when requests = 0 is not possible: a round with 0 requests is suspect). */
  successRate: number;
  latency: LatencySummary;
  /** hdr-histogram-js encoded histogram (base64, microseconds). */
  histogram: string;
  /** Server process CPU use during the measured window, % of one core (can exceed 100). */
  serverCpuPct: number;
  serverPeakRssBytes: number;
  serverPeakThreads: number;
  /** Load generator CPU during the window, % of one core. */
  driverCpuPct: number;
  /** Successful writes in this round (for the rows-written check). */
  writesAcknowledged: number;
  /** Open loop only: the rate actually achieved. */
  achievedRate?: number;
  /** The warm-up until steady this round's server went through just before (fresh servers: every
   *  round; kept: the round that started it). `steady: false` with slices: the cap was hit. */
  warmup?: { elapsedMs: number; steady: boolean; cpuPerRequestUs: number[]; settledUs?: number };
  verdict: Verdict;
  verdictReasons: string[];
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface Cell {
  server: ServerName;
  /** Set when two builds of the servers ran in one report (an A/B gate): "base" for the other
   *  build's cells. Absent: this checkout's build. */
  build?: 'base';
  workload: WorkloadName;
  concurrency: number;
  rounds: Round[];
  summary: {
    throughput: Spread;
    successRate: Spread;
    meanUs: Spread;
    p50Us: Spread;
    p90Us: Spread;
    p99Us: Spread;
    p999Us: Spread;
    p9999Us: Spread;
    maxUs: Spread;
    serverCpuPct: Spread;
    serverPeakRssBytes: Spread;
    serverPeakThreads: Spread;
    driverCpuPct: Spread;
  };
  /** Worst verdict across rounds, with reasons. */
  verdict: Verdict;
  verdictReasons: string[];
  /** Rounds measured although their server's warm-up hit its cap before it was steady. */
  notSteadyRounds?: number[];
  /** After the run: rows in the database vs keys preloaded + acknowledged creates. */
  rowsCheck?: { expectedRows: number; actualRows: number; ok: boolean };
}

/** How the candidate compares with the baseline on one metric. */
export interface Factor {
  metric: 'throughput' | 'meanUs' | 'p50Us' | 'p90Us' | 'p99Us' | 'p999Us' | 'p9999Us' | 'maxUs' | 'successRate';
  /** candidate/baseline for throughput; baseline/candidate for latencies ("x faster");
   *  for successRate: baseline error rate / candidate error rate ("x less error-prone"). */
  factor: number;
  /** Bootstrap interval over rounds (e.g. 95%). */
  low: number;
  high: number;
  /** True when the interval includes 1: the difference is inside the noise. */
  tie: boolean;
  /** As the seed words it: "3.54x higher (3.20-3.80)", "2.2x faster (...)", "tie (0.97-1.04)". */
  wording: string;
}

export interface Comparison {
  baseline: ServerName;
  candidate: ServerName;
  workload: WorkloadName;
  concurrency: number;
  factors: Factor[];
}

export interface Preflight {
  server: ServerName;
  ok: boolean;
  steps: number;
  /** First mismatch against the first server's answers, when not ok. */
  mismatch?: string;
}
