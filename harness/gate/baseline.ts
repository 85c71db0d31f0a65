// reports/baseline.json: the gate's memory. Written by `mkvss-lab gate --update-baseline`,
// committed, and read by every later gate run. What the gate measures against is the *blessed
// commit* it names: every gate run builds that commit's servers and measures them beside this
// checkout's, back to back in the same run (an A/B gate), because on a shared VM figures recorded
// at another moment drift by more than the slowdowns worth catching (docs/GATE.md). The settings
// are the ones every run must use (a run with others would compare unlike with unlike). The
// floor-normalised figures beside them (gate/metrics.ts) are a record for people, plus the machine
// they came from; only `--against-figures` judges by them. Built here too: the file from a run's
// metrics (buildBaseline) and an A/B run's yardstick, every metric at 1 (abBaseline).
import type { Machine, ServerName, WorkloadName } from '../schema/report-schema.js';
import { abSubject, CLOSED_LOOP_MEASURES, METRIC_MEASURES, metricId, type MetricKey, type MetricMeasure } from './metrics.js';
import { median } from '../analysis/stats.js';
import { must } from '../must.js';
import { noiseBand } from './decision.js';
import type { GateOutcome } from './loop.js';

export const BASELINE_SCHEMA = 'mkvss-lab/gate-baseline';
export const BASELINE_VERSION = 2;

/** Fewer rounds have no spread to judge by: a one-round band is infinite, so nothing could fail. */
export const MIN_ROUNDS = 3;

/** The measuring settings a baseline was taken with (a run with other settings still compares,
 *  with a warning: concurrency and duration shift the ratios a little). */
export interface GateMeasureSettings {
  workloads: WorkloadName[];
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Cap on each server's warm-up until steady, when it starts (0: none). Absent in old files. */
  settleMs?: number;
  /** A/B gate: the fixed open-loop rate (req/s) of the waiting probe, and its workload; absent or
   *  0: no probe. */
  probeRate?: number;
  probeWorkload?: WorkloadName;
  /** A/B gate: where each round's server processes come from. 'per-round': a fresh process per
   *  build and server in every round, so the rounds sample processes (two processes of the same
   *  code differ by 10-30% here for their whole life: docs/GATE.md); 'kept' (absent in older
   *  files): one per build and server for the whole run. */
  processes?: GateProcesses;
}

export const GATE_PROCESSES = ['per-round', 'kept'] as const;
export type GateProcesses = (typeof GATE_PROCESSES)[number];

export interface BaselineMetric {
  id: string;
  workload: WorkloadName;
  concurrency: number;
  subject: string;
  measure: MetricMeasure;
  median: number;
  /** Relative spread across the baseline run's rounds (for the record; the gate judges by the
   *  current run's spread); null when the baseline had a single round. */
  band: number | null;
  values: number[];
}

export interface GateBaseline {
  schema: typeof BASELINE_SCHEMA;
  version: typeof BASELINE_VERSION;
  createdAt: string;
  /** The blessed commit (full hash): what every gate run builds and measures beside this checkout.
   *  Absent only in the synthetic baseline of `--against <ref>`. */
  commit?: string;
  machine: Machine;
  settings: GateMeasureSettings;
  /** Rounds measured first in the run that recorded this (every run uses at least MIN_ROUNDS). */
  rounds?: number;
  metrics: BaselineMetric[];
  /** The synthetic yardstick of an A/B run: every metric's values are per-round ratios this ÷ base
   *  of back-to-back measurements, judged by a paired t-interval (decision.ts), not a band. */
  paired?: true;
}

/** A baseline that cannot be used. The message is one line the user can act on. */
export class BaselineError extends Error {
  override name = 'BaselineError';
}

const FIX = 'run `npm run gate -- --update-baseline` to record one on this machine';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function positive(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0;
}

/** Validates a parsed baseline file. `source` names the file in the messages. */
export function parseBaseline(data: unknown, source: string): GateBaseline {
  const bad = (what: string) => new BaselineError(`${source} is not a usable gate baseline (${what}); ${FIX}.`);
  if (!isObject(data)) throw bad('not a JSON object');
  if (data.schema !== BASELINE_SCHEMA) throw bad(`schema is ${JSON.stringify(data.schema)}, expected "${BASELINE_SCHEMA}"`);
  if (data.version === 1) throw bad('version 1 names no blessed commit; this gate measures a blessed commit beside this checkout');
  if (data.version !== BASELINE_VERSION) throw bad(`version ${JSON.stringify(data.version)}, this gate reads version ${BASELINE_VERSION}`);
  if (typeof data.commit !== 'string' || !/^[0-9a-f]{40}$/.test(data.commit)) throw bad('no blessed commit (a 40-digit hash)');
  if (!isObject(data.machine) || typeof data.machine.fingerprint !== 'string') throw bad('no machine fingerprint');
  const s = data.settings;
  if (!isObject(s) || !Array.isArray(s.workloads) || !positive(s.concurrency) || !positive(s.durationMs)) throw bad('settings missing');
  if (!Array.isArray(data.metrics) || data.metrics.length === 0) throw bad('no metrics');
  data.metrics.forEach((m: unknown, i: number) => {
    if (!isObject(m) || typeof m.id !== 'string' || typeof m.subject !== 'string') throw bad(`metric ${i} has no id`);
    if (!(METRIC_MEASURES as readonly unknown[]).includes(m.measure))
      throw bad(`metric "${m.id}" has measure ${JSON.stringify(m.measure)}`);
    if (!positive(m.median) || m.median === 0) throw bad(`metric "${m.id}" has no positive median`);
    if ((m.band !== null && !positive(m.band)) || !Array.isArray(m.values)) throw bad(`metric "${m.id}" has no band or values`);
    if (m.values.length < MIN_ROUNDS)
      throw bad(`metric "${m.id}" has ${m.values.length} round(s); a baseline needs at least ${MIN_ROUNDS} to have a spread`);
  });
  return data as unknown as GateBaseline;
}

/** Reads and validates a baseline file; every failure is a BaselineError naming the fix. */
export async function readBaseline(file: string): Promise<GateBaseline> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new BaselineError(`no gate baseline at ${file}; ${FIX} (and commit it).`);
    throw new BaselineError(`cannot read the gate baseline ${file}: ${(err as Error).message}; ${FIX}.`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new BaselineError(`${file} is not valid JSON (${(err as Error).message}); ${FIX}.`);
  }
  return parseBaseline(data, file);
}

/**
 * How this run's settings differ from the baseline's, one phrase per setting, or [] when they are
 * the same. A gate run must use the baseline's settings: with others, every row would be "new" or
 * "not measured" and nothing could fail.
 */
export function settingsDifferences(then: GateMeasureSettings, now: GateMeasureSettings): string[] {
  const diffs: string[] = [];
  const sameList = (a: readonly string[], b: readonly string[]) => [...a].sort().join() === [...b].sort().join();
  if (!sameList(then.workloads, now.workloads))
    diffs.push(`--workloads ${now.workloads.join(',')} (baseline: ${then.workloads.join(',')})`);
  if (then.concurrency !== now.concurrency) diffs.push(`--concurrency ${now.concurrency} (baseline: ${then.concurrency})`);
  if (then.durationMs !== now.durationMs) diffs.push(`--duration ${now.durationMs}ms (baseline: ${then.durationMs}ms)`);
  if (then.warmupMs !== now.warmupMs) diffs.push(`--warmup ${now.warmupMs}ms (baseline: ${then.warmupMs}ms)`);
  if ((then.settleMs ?? 0) !== (now.settleMs ?? 0)) diffs.push(`--settle ${now.settleMs ?? 0}ms (baseline: ${then.settleMs ?? 0}ms)`);
  if ((then.probeRate ?? 0) !== (now.probeRate ?? 0)) diffs.push(`--probe-rate ${now.probeRate ?? 0} (baseline: ${then.probeRate ?? 0})`);
  if ((then.probeRate ?? 0) > 0 && then.probeWorkload !== now.probeWorkload)
    diffs.push(`probe workload ${now.probeWorkload} (baseline: ${then.probeWorkload})`);
  if ((then.processes ?? 'kept') !== (now.processes ?? 'kept'))
    diffs.push(`--processes ${now.processes ?? 'kept'} (baseline: ${then.processes ?? 'kept'})`);
  return diffs;
}

/** A baseline file from a run's metrics. */
export function buildBaseline(
  outcome: Pick<GateOutcome, 'metrics' | 'reports'>,
  settings: GateMeasureSettings,
  createdAt: string,
): GateBaseline {
  const machine = must(outcome.reports[0], "the gate run's first report").setup.machine;
  const metrics: BaselineMetric[] = outcome.metrics.map((m) => {
    const band = noiseBand(m.values);
    return {
      id: m.id,
      workload: m.workload,
      concurrency: m.concurrency,
      subject: m.subject,
      measure: m.measure,
      median: median(m.values),
      band: Number.isFinite(band) ? band : null,
      values: m.values,
    };
  });
  return { schema: BASELINE_SCHEMA, version: BASELINE_VERSION, createdAt, machine, settings, metrics };
}

/**
 * The yardstick of an A/B gate: every metric at 1 (this build equal to the base), with no band of
 * its own; `paired` says the rows are per-round ratios, judged by comparePaired.
 */
export function abBaseline(
  settings: GateMeasureSettings,
  servers: readonly ServerName[],
  machine: GateBaseline['machine'],
  createdAt: string,
): GateBaseline {
  const metrics: BaselineMetric[] = [];
  const add = (key: MetricKey) => metrics.push({ id: metricId(key), ...key, median: 1, band: 0, values: [1] });
  for (const workload of settings.workloads) {
    for (const server of servers) {
      for (const measure of CLOSED_LOOP_MEASURES)
        add({ workload, concurrency: settings.concurrency, subject: abSubject(server as ServerName), measure });
    }
  }
  // Two workloads or more: each server is judged on them together (metrics.ts, pooledAbMetrics).
  const [first] = settings.workloads;
  if (first !== undefined && settings.workloads.length >= 2) {
    for (const server of servers)
      for (const measure of ['throughput', 'efficiency'] as const)
        add({
          workload: first,
          concurrency: settings.concurrency,
          subject: abSubject(server as ServerName),
          measure,
          pooled: settings.workloads,
        });
  }
  if ((settings.probeRate ?? 0) > 0 && settings.probeWorkload) {
    for (const server of servers)
      add({
        workload: settings.probeWorkload,
        concurrency: settings.concurrency,
        subject: abSubject(server as ServerName),
        measure: 'p99AtRate',
      });
  }
  return { schema: BASELINE_SCHEMA, version: BASELINE_VERSION, createdAt, machine, settings, metrics, paired: true };
}
