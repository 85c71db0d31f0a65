// report.json, version 2: everything one `mkvss-lab compare` run measured, raw enough to be merged
// and re-analysed later (every round's figures and its encoded HDR histogram are kept).
//
// Defined once, here, with TypeBox: the same definition is the JSON Schema (TypeBox schemas *are*
// JSON Schema objects, so report.schema.json is this file serialised, with no converter between
// them), the TypeScript types (Static<>) and the validator (TypeCompiler). zod or valibot would
// need a separate JSON Schema converter whose output can drift from the runtime checks; with
// TypeBox the committed report.schema.json and the validator cannot disagree (test/harness/
// report-schema.test.ts checks the committed file against this definition).
//
// Producer: harness/run/compare.ts. Consumers: harness/report (terminal, Markdown, charts, HTML) and
// harness/gate. Times are microseconds (suffix Us), sizes bytes, rates per second.
//
// Version history: 1 -> 2 added Round.driverLag (the driver-lag verdict), Factor.interval and
// Factor.rounds (the paired t-interval replaced the bootstrap), and strict validation. Within 2,
// widened only (older v2 files still validate): server names became free text for remote targets
// (Setup.targets, Cell.remote, Setup.lifecycle 'remote'), a remote round's RSS and threads null,
// and the warm-up's throughput basis.
import { Kind, type Static, type TSchema, Type, TypeRegistry } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { WORKLOAD_NAMES } from './workload-names.js';

export const REPORT_SCHEMA = 'mkvss-lab/report';
export const REPORT_VERSION = 2;

/** A figure that can be NaN (not measured, not comparable); JSON writes NaN as null. The TS type
 *  stays number because that is what the run builds and what NaN-aware renderers format. */
TypeRegistry.Set('NumberOrNull', (_schema, value) => value === null || typeof value === 'number');
const NumberOrNull = (description?: string) =>
  Type.Unsafe<number>({ [Kind]: 'NumberOrNull', anyOf: [{ type: 'number' }, { type: 'null' }], ...(description ? { description } : {}) });

const strict = { additionalProperties: false } as const;
const Obj = <T extends Parameters<typeof Type.Object>[0]>(properties: T, description?: string) =>
  Type.Object(properties, { ...strict, ...(description ? { description } : {}) });

/** A server in a report: one the lab started (servers/server-kinds.ts) or a remote target's name
 *  (`compare --target NAME=URL`), free text in [a-z0-9-]. Widened from the local union in v2
 *  (every v2 report before it still validates). */
export const ServerNameSchema = Type.String({ pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 40 });
/** The one list of workloads lives in workload-names.ts (see there why); re-exported here. */
export { WORKLOAD_NAMES };
export const WorkloadNameSchema = Type.Union(WORKLOAD_NAMES.map((w) => Type.Literal(w)));
export const VerdictSchema = Type.Union([Type.Literal('ok'), Type.Literal('driver-bound'), Type.Literal('suspect')]);
export type ServerName = Static<typeof ServerNameSchema>;
export type WorkloadName = Static<typeof WorkloadNameSchema>;
export type Verdict = Static<typeof VerdictSchema>;

export const MachineSchema = Obj({
  cpuModel: Type.String(),
  cores: Type.Number(),
  kernel: Type.String(),
  node: Type.String(),
  platform: Type.String(),
  arch: Type.String(),
  totalMemBytes: Type.Number(),
  fingerprint: Type.String({ description: 'Stable short hash of cpuModel|cores|kernel|node|arch: "same machine?" checks.' }),
});
export type Machine = Static<typeof MachineSchema>;

export const SetupSchema = Obj({
  machine: MachineSchema,
  command: Type.String({ description: 'The command line as typed (argv after the program name).' }),
  servers: Type.Array(ServerNameSchema),
  workloads: Type.Array(WorkloadNameSchema),
  concurrency: Type.Array(Type.Number()),
  durationMs: Type.Number(),
  warmupMs: Type.Number(),
  rounds: Type.Number(),
  keys: Type.Number(),
  valueSize: Type.Number(),
  pipelining: Type.Number(),
  rate: Type.Optional(Type.Number({ description: 'Open-loop offered rate (req/s), when --rate was given; latency then is CO-corrected.' })),
  warmServers: Type.Optional(
    Type.Array(
      Obj({
        server: ServerNameSchema,
        concurrency: Type.Number(),
        cpuPerRequestUs: Type.Array(NumberOrNull()),
        steady: Type.Boolean(),
        elapsedMs: Type.Number(),
      }),
      {
        description:
          'Present when servers stayed up across rounds (the gate): how each was warmed up until its CPU per request settled. Absent: a fresh server per measurement.',
      },
    ),
  ),
  lifecycle: Type.Optional(
    Type.Union([Type.Literal('fresh'), Type.Literal('kept'), Type.Literal('remote')], {
      description:
        'Where the servers came from: a fresh process per measurement, kept up across rounds, or remote targets already running elsewhere (compare --target).',
    }),
  ),
  targets: Type.Optional(
    Type.Array(Obj({ name: ServerNameSchema, url: Type.String() }), {
      description: 'compare --target: the servers measured where they already ran (not started, not sampled by the lab).',
    }),
  ),
  syncPrewarm: Type.Optional(
    Type.Boolean({
      description:
        "false: compare --no-prewarm started the sync server without its warm start (the cold model: each thread's V8 isolate compiles on its own share of the load). Absent: the warm start was on.",
    }),
  ),
  steadyWarmup: Type.Optional(
    Obj(
      {
        sliceMs: Type.Number(),
        tolerance: Type.Number(),
        maxMs: Type.Number(),
        basis: Type.Optional(
          Type.Union([Type.Literal('cpu-per-request'), Type.Literal('throughput')], {
            description:
              "What the slices must agree on: the server's CPU per request (default), or req/s (remote targets, whose CPU the lab cannot see).",
          }),
        ),
      },
      'The warm-up-until-steady rule cold servers went through before they were measured.',
    ),
  ),
  driver: Obj({
    name: Type.String({
      description: 'The load driver, as harness/load/drivers.ts describeDriver names it (net, autocannon, wrk, or the open loop).',
    }),
    version: Type.String(),
    driverCpus: Type.Union([Type.String(), Type.Null()], {
      description: 'CPUs the driver was pinned to (taskset list), or null when unpinned.',
    }),
    serverCpus: Type.Union([Type.String(), Type.Null()]),
    pinned: Type.Boolean(),
    workers: Type.Number(),
  }),
});
export type Setup = Static<typeof SetupSchema>;

export const LatencySummarySchema = Obj({
  minUs: Type.Number(),
  meanUs: Type.Number(),
  p50Us: Type.Number(),
  p90Us: Type.Number(),
  p99Us: Type.Number(),
  p999Us: Type.Number(),
  p9999Us: Type.Number(),
  maxUs: Type.Number(),
});
export type LatencySummary = Static<typeof LatencySummarySchema>;

export const FailureBreakdownSchema = Obj({
  unexpectedStatus: Type.Record(Type.String(), Type.Number(), {
    description: 'Responses whose status the workload did not expect, by status code.',
  }),
  timeouts: Type.Number(),
  connectionErrors: Type.Number(),
  other: Type.Record(Type.String(), Type.Number(), { description: 'Any other error, by message.' }),
});
export type FailureBreakdown = Static<typeof FailureBreakdownSchema>;

export const DriverLagSchema = Obj(
  {
    loopDelayP99Us: Type.Number({
      description: "99th percentile of the driver's event-loop delay over the window (perf_hooks), µs; the worst driver process's.",
    }),
    loopDelayMaxUs: Type.Number(),
    sendLagP99Us: Type.Optional(
      Type.Number({ description: 'Open loop: 99th percentile of how late requests were released after their due time, µs.' }),
    ),
  },
  'Whether the load generator kept up: a driver that falls behind adds its own queueing to every latency it measures.',
);
export type DriverLag = Static<typeof DriverLagSchema>;

export const RoundSchema = Obj({
  round: Type.Number({ description: '1-based round number.' }),
  order: Type.Number({ description: 'Position in the interleaved schedule (0-based), to see drift.' }),
  startedAt: Type.String(),
  durationMs: Type.Number(),
  requests: Type.Number(),
  expected: Type.Number({ description: 'Responses with the status the workload expected.' }),
  failures: FailureBreakdownSchema,
  throughput: Type.Number({ description: 'expected responses per second.' }),
  successRate: Type.Number({ description: 'expected / requests.' }),
  latency: LatencySummarySchema,
  histogram: Type.String({ description: 'hdr-histogram-js encoded histogram (base64, microseconds).' }),
  serverCpuPct: NumberOrNull('Server process CPU use during the measured window, % of one core (can exceed 100).'),
  serverPeakRssBytes: NumberOrNull('null: not sampled (a remote target).'),
  serverPeakThreads: NumberOrNull('null: not sampled (a remote target).'),
  driverCpuPct: NumberOrNull('Load generator CPU during the window, % of one core.'),
  driverLag: DriverLagSchema,
  writesAcknowledged: Type.Number({ description: 'Successful writes in this round (for the rows-written check).' }),
  achievedRate: Type.Optional(Type.Number({ description: 'Open loop only: the rate actually achieved.' })),
  warmup: Type.Optional(
    Obj(
      {
        elapsedMs: Type.Number(),
        steady: Type.Boolean(),
        cpuPerRequestUs: Type.Array(NumberOrNull()),
        settledUs: Type.Optional(NumberOrNull()),
        throughput: Type.Optional(
          Type.Array(NumberOrNull(), { description: 'req/s of each slice, when the rule was throughput-based (a remote target).' }),
        ),
      },
      "The warm-up until steady this round's server went through just before (fresh servers: every round; kept: the round that started it). steady false with slices: the cap was hit.",
    ),
  ),
  verdict: VerdictSchema,
  verdictReasons: Type.Array(Type.String()),
});
export type Round = Static<typeof RoundSchema>;

export const SpreadSchema = Obj({ median: NumberOrNull(), min: NumberOrNull(), max: NumberOrNull() });
export type Spread = Static<typeof SpreadSchema>;

export const CellSchema = Obj({
  server: ServerNameSchema,
  build: Type.Optional(
    Type.Literal('base', {
      description: 'Set when two builds of the servers ran in one report (an A/B gate): "base" for the other build\'s cells.',
    }),
  ),
  workload: WorkloadNameSchema,
  concurrency: Type.Number(),
  rounds: Type.Array(RoundSchema),
  summary: Obj(
    {
      throughput: SpreadSchema,
      successRate: SpreadSchema,
      meanUs: SpreadSchema,
      p50Us: SpreadSchema,
      p90Us: SpreadSchema,
      p99Us: SpreadSchema,
      p999Us: SpreadSchema,
      p9999Us: SpreadSchema,
      maxUs: SpreadSchema,
      serverCpuPct: SpreadSchema,
      serverPeakRssBytes: SpreadSchema,
      serverPeakThreads: SpreadSchema,
      driverCpuPct: SpreadSchema,
    },
    "Median over rounds with the min-max spread; latency percentiles are each round's own percentile, then the median over rounds.",
  ),
  verdict: VerdictSchema,
  verdictReasons: Type.Array(Type.String()),
  notSteadyRounds: Type.Optional(
    Type.Array(Type.Number(), { description: "Rounds measured although their server's warm-up hit its cap before it was steady." }),
  ),
  rowsCheck: Type.Optional(Obj({ expectedRows: Type.Number(), actualRows: Type.Number(), ok: Type.Boolean() })),
  remote: Type.Optional(
    Obj(
      { url: Type.String() },
      'Set for a remote target (compare --target): its CPU, RSS and threads were not sampled and its rows were not checked (the API cannot count keys).',
    ),
  ),
});
export type Cell = Static<typeof CellSchema>;

export const FactorSchema = Obj({
  metric: Type.Union([
    Type.Literal('throughput'),
    Type.Literal('meanUs'),
    Type.Literal('p50Us'),
    Type.Literal('p90Us'),
    Type.Literal('p99Us'),
    Type.Literal('p999Us'),
    Type.Literal('p9999Us'),
    Type.Literal('maxUs'),
    Type.Literal('successRate'),
  ]),
  factor: NumberOrNull(
    'Geometric mean of the per-round ratios. candidate/baseline for throughput; baseline/candidate for latencies ("x faster"); baseline error rate / candidate error rate for successRate.',
  ),
  low: NumberOrNull(
    'Interval low end: 95% paired t-interval (interval = paired-t-95), the lowest per-round ratio (range), or the factor (none).',
  ),
  high: NumberOrNull(),
  interval: Type.Union([Type.Literal('paired-t-95'), Type.Literal('range'), Type.Literal('none')], {
    description: 'paired-t-95: 3+ rounds, exp(mean ± t·sd/√n) of the per-round log ratios; range: 2 rounds; none: 1 round.',
  }),
  rounds: Type.Number({ description: 'Paired rounds the factor rests on.' }),
  tie: Type.Boolean({ description: 'True unless the paired t-interval excludes 1 (always true below 3 rounds: nothing is called).' }),
  wording: Type.String({
    description: '"3.54x higher (3.20-3.80)", "tie (0.97-1.04)", "2.10x faster, not tested (range of 2 rounds: 1.90-2.30)".',
  }),
});
export type Factor = Static<typeof FactorSchema>;

export const ComparisonSchema = Obj({
  baseline: ServerNameSchema,
  candidate: ServerNameSchema,
  workload: WorkloadNameSchema,
  concurrency: Type.Number(),
  factors: Type.Array(FactorSchema),
});
export type Comparison = Static<typeof ComparisonSchema>;

export const PreflightSchema = Obj({
  server: ServerNameSchema,
  ok: Type.Boolean(),
  steps: Type.Number(),
  mismatch: Type.Optional(Type.String({ description: "First mismatch against the first server's answers, when not ok." })),
});
export type Preflight = Static<typeof PreflightSchema>;

/** One step of a knee search (harness/analysis/knee.ts): an open-loop load at one offered rate. */
export const KneeStepSchema = Obj({
  phase: Type.Union([Type.Literal('grow'), Type.Literal('refine')]),
  retry: Type.Optional(Type.Boolean({ description: 'A repeat at the same rate of the step before, which did not keep up.' })),
  offered: Type.Number({ description: 'Offered rate, req/s.' }),
  achieved: NumberOrNull('Responses per second over the window.'),
  p50Us: NumberOrNull(),
  p99Us: NumberOrNull('From the intended send time (coordinated-omission corrected).'),
  p999Us: NumberOrNull(),
  successRate: NumberOrNull(),
  requests: Type.Number(),
  ok: Type.Boolean({ description: 'It kept up: achieved >= the fraction of offered, p99 within the bound, no errors.' }),
  reasons: Type.Array(Type.String(), { description: 'Why it did not keep up.' }),
});
export type KneeStepRecord = Static<typeof KneeStepSchema>;

/** One row of a knee table: one server at one offered rate, over the rounds. */
export const KneeRowSchema = Obj({
  server: ServerNameSchema,
  fraction: Type.Number({ description: 'Of its own knee (own table) or of the smallest knee (equal table).' }),
  offered: Type.Number(),
  achieved: SpreadSchema,
  p50Us: SpreadSchema,
  p99Us: SpreadSchema,
  p999Us: SpreadSchema,
  successRate: SpreadSchema,
  roundsP99Us: Type.Array(NumberOrNull(), { description: "p99 of each round, in round order (paired with the other servers' rounds)." }),
  p99VsBaseline: Type.Optional(
    Type.String({ description: 'Equal table: p99 against the first server at the same rate, in the factor words of the compare tables.' }),
  ),
});
export type KneeRow = Static<typeof KneeRowSchema>;

export const KneeSchema = Obj(
  {
    workload: WorkloadNameSchema,
    concurrency: Type.Number(),
    stepMs: Type.Number({ description: 'Measured window of each step.' }),
    leadInMs: Type.Number({ description: 'Unmeasured lead-in at the offered rate before each window.' }),
    rule: Obj({
      startRate: Type.Number(),
      growth: Type.Number(),
      refineSteps: Type.Number(),
      minAchievedFraction: Type.Number(),
      p99BoundUs: Type.Number(),
      maxRate: Type.Number(),
      retries: Type.Number({
        description: 'A step that did not keep up was measured again this many times; any repeat keeping up passed it.',
      }),
    }),
    servers: Type.Array(
      Obj({
        server: ServerNameSchema,
        kneeRate: NumberOrNull('The highest offered rate that kept up; null when the first step did not.'),
        kneeP99Us: NumberOrNull(),
        firstBadRate: NumberOrNull('The lowest offered rate above the knee that did not keep up.'),
        capped: Type.Boolean({ description: 'Growth reached maxRate with every step keeping up: the knee is at least kneeRate.' }),
        steps: Type.Array(KneeStepSchema),
      }),
    ),
    fractions: Type.Array(Type.Number()),
    rounds: Type.Number({ description: 'Rounds per table row.' }),
    ownKnee: Type.Array(KneeRowSchema, { description: 'Each server at fractions of its own knee.' }),
    equalRate: Type.Array(KneeRowSchema, { description: 'Every server at fractions of the smallest knee (the same absolute rates).' }),
  },
  "`compare --knee`: each server's knee under open-loop load, and the tables at fractions of it.",
);
export type Knee = Static<typeof KneeSchema>;

export const ReportSchema = Type.Object(
  {
    schema: Type.Literal(REPORT_SCHEMA),
    version: Type.Literal(REPORT_VERSION),
    createdAt: Type.String({ description: 'ISO 8601 start time of the run.' }),
    label: Type.Optional(Type.String()),
    setup: SetupSchema,
    cells: Type.Array(CellSchema, { description: 'One cell per (server, workload, concurrency); rounds inside.' }),
    comparisons: Type.Array(ComparisonSchema, { description: 'Candidate vs baseline per (workload, concurrency), e.g. async vs sync.' }),
    preflight: Type.Array(PreflightSchema, { description: 'Scripted pre-flight: both servers gave the same statuses and bodies.' }),
    driverCeiling: Type.Optional(
      Obj(
        {
          workload: WorkloadNameSchema,
          concurrency: Type.Number(),
          throughput: Type.Number({ description: "The median over the ceiling's slots (one per round when measured between rounds)." }),
          driverCpuPct: NumberOrNull(),
          spread: Type.Optional(SpreadSchema),
          slots: Type.Optional(Type.Number()),
          undercut: Type.Optional(
            Type.Boolean({ description: "A server measured above the ceiling's range: the ceiling was itself held back." }),
          ),
        },
        'What the driver alone can do here: load against the floor server.',
      ),
    ),
    knee: Type.Optional(KneeSchema),
    warnings: Type.Array(Type.String(), { description: 'Human-readable warnings shown under every table.' }),
  },
  {
    ...strict,
    $id: 'https://mkvss-lab/report.schema.json',
    title: 'mkvss-lab report.json',
    description: 'Everything one `mkvss-lab compare` run measured.',
  },
);
export type Report = Static<typeof ReportSchema>;

/** The text of harness/schema/report.schema.json (`npm run schema` writes it; a test checks the
 *  committed file against it): ReportSchema as JSON, which drops TypeBox's symbol keys. */
export function reportJsonSchemaText(): string {
  return `${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...ReportSchema }, null, 2)}\n`;
}

const compiled = TypeCompiler.Compile(ReportSchema as TSchema);

/** Throws one line saying what is wrong when `value` is not a valid report of this version. */
export function assertValidReport(value: unknown, source = 'report'): asserts value is Report {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${source} is not a JSON object`);
  const r = value as { schema?: unknown; version?: unknown };
  if (r.schema !== REPORT_SCHEMA) throw new TypeError(`${source} is not an ${REPORT_SCHEMA} file (schema ${JSON.stringify(r.schema)})`);
  if (r.version !== REPORT_VERSION) {
    throw new TypeError(
      `${source} is ${REPORT_SCHEMA} version ${JSON.stringify(r.version)}; this build reads version ${REPORT_VERSION} only (re-run compare to get one)`,
    );
  }
  if (compiled.Check(value)) return;
  const first = compiled.Errors(value).First();
  throw new TypeError(
    `${source} does not match the ${REPORT_SCHEMA} v${REPORT_VERSION} schema: ${first ? `${first.path || '/'}: ${first.message}` : 'invalid'}`,
  );
}

/** Parses report.json text and validates it (one-line error on bad JSON or a bad/older report). */
export function parseReport(text: string, source = 'report.json'): Report {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new TypeError(`${source} is not JSON: ${(err as Error).message}`);
  }
  assertValidReport(value, source);
  return value;
}
