// reports/baseline.json: the gate's memory. Written by `mkvss-lab gate --update-baseline`,
// committed, and read by every later gate run. It holds normalised figures only (see
// gate/metrics.ts), plus the machine they came from so a run elsewhere can say so.
import type { Machine, WorkloadName } from '../schema/report-schema.js';
import { METRIC_MEASURES, type MetricMeasure } from './metrics.js';

export const BASELINE_SCHEMA = 'mkvss-lab/gate-baseline';
export const BASELINE_VERSION = 1;

/** The measuring settings a baseline was taken with (a run with other settings still compares,
 *  with a warning: concurrency and duration shift the ratios a little). */
export interface GateMeasureSettings {
  workloads: WorkloadName[];
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** Cap on each server's warm-up until steady, when it starts (0: none). Absent in old files. */
  settleMs?: number;
}

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
  machine: Machine;
  settings: GateMeasureSettings;
  metrics: BaselineMetric[];
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
  if (data.version !== BASELINE_VERSION) throw bad(`version ${JSON.stringify(data.version)}, this gate reads version ${BASELINE_VERSION}`);
  if (!isObject(data.machine) || typeof data.machine.fingerprint !== 'string') throw bad('no machine fingerprint');
  const s = data.settings;
  if (!isObject(s) || !Array.isArray(s.workloads) || !positive(s.concurrency) || !positive(s.durationMs)) throw bad('settings missing');
  if (!Array.isArray(data.metrics) || data.metrics.length === 0) throw bad('no metrics');
  data.metrics.forEach((m: unknown, i: number) => {
    if (!isObject(m) || typeof m.id !== 'string' || typeof m.subject !== 'string') throw bad(`metric ${i} has no id`);
    if (!(METRIC_MEASURES as readonly unknown[]).includes(m.measure)) throw bad(`metric "${m.id}" has measure ${JSON.stringify(m.measure)}`);
    if (!positive(m.median) || m.median === 0) throw bad(`metric "${m.id}" has no positive median`);
    if ((m.band !== null && !positive(m.band)) || !Array.isArray(m.values)) throw bad(`metric "${m.id}" has no band or values`);
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
