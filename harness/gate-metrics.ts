// What the gate compares, taken out of a Report: figures that mean the same on any machine.
//
// Absolute req/s depend on the CPU, so each server is divided by the floor server (a canned 200, no
// database) measured in the same run: "sync does 0.41 of what this machine's floor does". The
// pairing is per round: round i of a server with round i of the floor, which ran next to it in the
// interleaved schedule, so a round spoilt by a neighbour on a shared runner spoils both sides and
// the per-round ratios carry the run's real noise. async/sync is paired the same way.
import type { Cell, Report, Round, ServerName, WorkloadName } from './report-schema.js';

/** 'throughput' metrics: higher is better. 'p99' metrics: lower is better. */
export type MetricMeasure = 'throughput' | 'p99';

export interface MetricKey {
  workload: WorkloadName;
  concurrency: number;
  /** A server ('sync', 'async', ...) divided by the floor, or 'async/sync'. */
  subject: string;
  measure: MetricMeasure;
}

export interface MetricSamples extends MetricKey {
  id: string;
  /** One normalised value per paired round, in round order. */
  values: number[];
}

export const FLOOR: ServerName = 'floor';

/** The human-readable, stable name of a metric; also its key in the baseline file. */
export function metricId(key: MetricKey): string {
  const where = `${key.workload} c${key.concurrency}`;
  if (key.subject.includes('/')) {
    const [top, bottom] = key.subject.split('/');
    return key.measure === 'throughput' ? `${where} ${top} ÷ ${bottom} req/s` : `${where} ${top} ÷ ${bottom} p99`;
  }
  return key.measure === 'throughput' ? `${where} ${key.subject} req/s ÷ floor` : `${where} ${key.subject} p99 ÷ floor p99`;
}

export function higherIsBetter(measure: MetricMeasure): boolean {
  return measure === 'throughput';
}

function roundsByNumber(cell: Cell): Map<number, Round> {
  return new Map(cell.rounds.map((r) => [r.round, r]));
}

/** Ratios top/bottom for every round number both cells have; rounds where a ratio would be
 *  meaningless (nothing measured below the line) are skipped rather than turned into Infinity. */
function pairedRatios(top: Cell, bottom: Cell, pick: (r: Round) => number, usable: (r: Round) => boolean): number[] {
  const bottomRounds = roundsByNumber(bottom);
  const out: number[] = [];
  for (const round of [...top.rounds].sort((a, b) => a.round - b.round)) {
    const partner = bottomRounds.get(round.round);
    if (!partner || !usable(round) || !usable(partner)) continue;
    const below = pick(partner);
    if (!(below > 0) || !Number.isFinite(pick(round))) continue;
    out.push(pick(round) / below);
  }
  return out;
}

const throughputOf = (r: Round) => r.throughput;
const p99Of = (r: Round) => r.latency.p99Us;
// A round's throughput is meaningful even at 0 (a broken server is a regression), but a p99 needs
// at least one answer to exist.
const anyRound = () => true;
const answeredRound = (r: Round) => r.expected > 0;

/**
 * Every gated metric in one report, with its per-round values. Needs the floor server in the
 * report (it is the yardstick); throws with a clear message otherwise.
 */
export function extractMetrics(report: Report): MetricSamples[] {
  const groups = new Map<string, Cell[]>();
  for (const cell of report.cells) {
    const k = `${cell.workload}\u0000${cell.concurrency}`;
    groups.set(k, [...(groups.get(k) ?? []), cell]);
  }
  const out: MetricSamples[] = [];
  const add = (key: MetricKey, values: number[]) => {
    if (values.length > 0) out.push({ ...key, id: metricId(key), values });
  };
  for (const cells of groups.values()) {
    const floor = cells.find((c) => c.server === FLOOR);
    if (!floor) {
      throw new Error(`the report has no floor server cell for ${cells[0]!.workload} c${cells[0]!.concurrency}; the gate needs it to normalise`);
    }
    const { workload, concurrency } = floor;
    const servers = cells.filter((c) => c.server !== FLOOR).sort((a, b) => a.server.localeCompare(b.server));
    for (const cell of servers) {
      add({ workload, concurrency, subject: cell.server, measure: 'throughput' }, pairedRatios(cell, floor, throughputOf, anyRound));
      add({ workload, concurrency, subject: cell.server, measure: 'p99' }, pairedRatios(cell, floor, p99Of, answeredRound));
    }
    const sync = cells.find((c) => c.server === 'sync');
    const async = cells.find((c) => c.server === 'async');
    if (sync && async) {
      add({ workload, concurrency, subject: 'async/sync', measure: 'throughput' }, pairedRatios(async, sync, throughputOf, anyRound));
    }
  }
  return out;
}

/** Adds the rounds of `more` to `into`, metric by metric (a "measure more" step). */
export function mergeMetrics(into: MetricSamples[], more: MetricSamples[]): MetricSamples[] {
  const byId = new Map(into.map((m) => [m.id, { ...m, values: [...m.values] }]));
  for (const m of more) {
    const existing = byId.get(m.id);
    if (existing) existing.values.push(...m.values);
    else byId.set(m.id, { ...m, values: [...m.values] });
  }
  return [...byId.values()];
}
