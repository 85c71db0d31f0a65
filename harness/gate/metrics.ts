// What the gate compares, taken out of a Report: figures that mean the same on any machine.
//
// Absolute req/s depend on the CPU, so each server is divided by the floor server (a canned 200, no
// database) measured in the same run: "sync does 0.41 of what this machine's floor does". The
// pairing is per round: round i of a server with round i of the floor, which ran next to it in the
// interleaved schedule, so a round spoilt by a neighbour on a shared runner spoils both sides and
// the per-round ratios carry the run's real noise. async/sync is paired the same way.
//
// Besides req/s, each server's *efficiency* is gated: requests answered per second of server CPU,
// again divided by the floor's. Req/s alone is a poor witness on a shared runner: when the machine
// lends the VM half a CPU for a moment, or the load driver is the bottleneck (autocannon tops out
// near the floor's and async's rates here), req/s moves for reasons that are not the server's. CPU
// per request is charged only while the server runs, so it mostly does not. Measured in one run
// here: a round where another process took half the load driver's CPU halved async's req/s
// (34k -> 17k) while its CPU per request moved 29 -> 27 µs. A real slowdown (more work per
// request) shows in both.
import type { Cell, Report, Round, ServerName, WorkloadName } from '../schema/report-schema.js';
import { must } from '../must.js';

/** 'throughput' (req/s) and 'efficiency' (req per server CPU-second): higher is better.
 *  'p99' metrics: lower is better. 'p99AtRate' (A/B gate only): p99 latency at a fixed open-loop
 *  rate below both builds' limits, lower is better: the row that sees a server that *waits* (a
 *  sleep, a lock, an fsync) rather than burns CPU, which neither req/CPU-s nor a saturated req/s
 *  shows clearly. */
export type MetricMeasure = 'throughput' | 'efficiency' | 'p99' | 'p99AtRate';

export const METRIC_MEASURES: readonly MetricMeasure[] = ['throughput', 'efficiency', 'p99', 'p99AtRate'];
/** The measures of a closed-loop (saturating) measurement. */
export const CLOSED_LOOP_MEASURES: readonly MetricMeasure[] = ['throughput', 'efficiency', 'p99'];

export interface MetricKey {
  workload: WorkloadName;
  concurrency: number;
  /** A server ('sync', 'async', ...) divided by the floor, or 'async/sync'. */
  subject: string;
  measure: MetricMeasure;
  /** A/B only: the workloads this row judges together (`workload` is the first of them), each
   *  round's value the geometric mean of their ratios in that round; absent on a one-workload row. */
  pooled?: readonly WorkloadName[];
}

export interface MetricSamples extends MetricKey {
  id: string;
  /** One normalised value per paired round, in round order. */
  values: number[];
  /** req/s ÷ floor only: in how many of the paired rounds the floor was driver-bound (the load
   *  generator, not the floor, set its req/s), so the ratio measured the driver as much as the
   *  server. The gate does not fail on such a ratio (see gate/decision.ts). */
  driverBoundYardstick?: number;
}

export const FLOOR: ServerName = 'floor';

/** The human-readable, stable name of a metric; also its key in the baseline file. */
export function metricId(key: MetricKey): string {
  const where = `${key.pooled ? key.pooled.join('+') : key.workload} c${key.concurrency}`;
  if (key.subject.includes('/')) {
    const [top, bottom] = key.subject.split('/');
    const what = { throughput: 'req/s', efficiency: 'req/CPU-s', p99: 'p99', p99AtRate: 'p99 at a fixed rate' }[key.measure];
    return `${where} ${top} ÷ ${bottom} ${what}`;
  }
  if (key.measure === 'throughput') return `${where} ${key.subject} req/s ÷ floor`;
  if (key.measure === 'efficiency') return `${where} ${key.subject} req/CPU-s ÷ floor`;
  return `${where} ${key.subject} p99 ÷ floor p99`;
}

export function higherIsBetter(measure: MetricMeasure): boolean {
  return measure !== 'p99' && measure !== 'p99AtRate';
}

/** A cell measured open-loop (at a fixed offered rate): its rounds record the rate achieved. */
export function isOpenLoop(cell: Cell): boolean {
  return cell.rounds.some((r) => r.achievedRate !== undefined);
}

function roundsByNumber(cell: Cell): Map<number, Round> {
  return new Map(cell.rounds.map((r) => [r.round, r]));
}

/** Ratios top/bottom by round number, for every round both cells have, in round order; rounds
 *  where a ratio would be meaningless (nothing measured below the line) are skipped rather than
 *  turned into Infinity. */
function ratiosByRound(top: Cell, bottom: Cell, pick: (r: Round) => number, usable: (r: Round) => boolean): Map<number, number> {
  const bottomRounds = roundsByNumber(bottom);
  const out = new Map<number, number>();
  for (const round of [...top.rounds].sort((a, b) => a.round - b.round)) {
    const partner = bottomRounds.get(round.round);
    if (!partner || !usable(round) || !usable(partner)) continue;
    const below = pick(partner);
    if (!(below > 0) || !Number.isFinite(pick(round))) continue;
    out.set(round.round, pick(round) / below);
  }
  return out;
}

function pairedRatios(top: Cell, bottom: Cell, pick: (r: Round) => number, usable: (r: Round) => boolean): number[] {
  return [...ratiosByRound(top, bottom, pick, usable).values()];
}

/** Per round, the geometric mean over `pairs` (top, bottom) of top/bottom (ratiosByRound), for
 *  every round number that each pair has. */
function pooledRatios(pairs: ReadonlyArray<[Cell, Cell]>, pick: (r: Round) => number, usable: (r: Round) => boolean): number[] {
  const perPair = pairs.map(([top, bottom]) => ratiosByRound(top, bottom, pick, usable));
  const rounds = [...(perPair[0]?.keys() ?? [])].filter((r) => perPair.every((m) => m.has(r)));
  return rounds.map((r) => Math.exp(perPair.reduce((sum, m) => sum + Math.log(must(m.get(r), 'a pooled ratio')), 0) / perPair.length));
}

/** How many of `top`'s rounds were paired with a round of `bottom` that was driver-bound. */
function driverBoundPartners(top: Cell, bottom: Cell): number {
  const bottomRounds = roundsByNumber(bottom);
  return top.rounds.filter((r) => bottomRounds.get(r.round)?.verdict === 'driver-bound').length;
}

const throughputOf = (r: Round) => r.throughput;
/** Requests answered per second of server CPU (serverCpuPct is % of one core over the window). */
export const efficiencyOf = (r: Round) => r.throughput / (r.serverCpuPct / 100);
const p99Of = (r: Round) => r.latency.p99Us;
// A round's throughput is meaningful even at 0 (a broken server is a regression), but a p99 needs
// at least one answer to exist.
const anyRound = () => true;
const answeredRound = (r: Round) => r.expected > 0;
// Efficiency needs answers and a CPU reading (NaN when the sampler could not read /proc).
const usedCpu = (r: Round) => r.expected > 0 && r.serverCpuPct > 0;

/**
 * Every gated metric in one report, with its per-round values. Needs the floor server in the
 * report (it is the yardstick); throws with a clear message otherwise.
 */
export function extractMetrics(report: Report): MetricSamples[] {
  const groups = new Map<string, Cell[]>();
  for (const cell of report.cells.filter((c) => !isOpenLoop(c))) {
    const k = `${cell.workload}\u0000${cell.concurrency}`;
    groups.set(k, [...(groups.get(k) ?? []), cell]);
  }
  const out: MetricSamples[] = [];
  const add = (key: MetricKey, values: number[], extra: Partial<MetricSamples> = {}) => {
    if (values.length > 0) out.push({ ...key, id: metricId(key), values, ...extra });
  };
  for (const cells of groups.values()) {
    const floor = cells.find((c) => c.server === FLOOR);
    if (!floor) {
      const { workload, concurrency } = must(cells[0], 'a cell of the group');
      throw new Error(`the report has no floor server cell for ${workload} c${concurrency}; the gate needs it to normalise`);
    }
    const { workload, concurrency } = floor;
    const servers = cells.filter((c) => c.server !== FLOOR).sort((a, b) => a.server.localeCompare(b.server));
    for (const cell of servers) {
      add({ workload, concurrency, subject: cell.server, measure: 'throughput' }, pairedRatios(cell, floor, throughputOf, anyRound), {
        driverBoundYardstick: driverBoundPartners(cell, floor),
      });
      add({ workload, concurrency, subject: cell.server, measure: 'efficiency' }, pairedRatios(cell, floor, efficiencyOf, usedCpu));
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
    if (existing) {
      existing.values.push(...m.values);
      if (m.driverBoundYardstick !== undefined)
        existing.driverBoundYardstick = (existing.driverBoundYardstick ?? 0) + m.driverBoundYardstick;
    } else byId.set(m.id, { ...m, values: [...m.values] });
  }
  return [...byId.values()];
}

/** The subject of an A/B metric: this checkout's server over the base build's. */
export function abSubject(server: ServerName): string {
  return `${server} this/base`;
}

/**
 * The metrics of an A/B report (gate --against): for each server, workload and concurrency, this
 * build's figure over the base build's, paired round by round (the two ran back to back, so a
 * disturbed moment hits both). 1 means no change. No floor is needed: the yardstick is the base.
 */
export function extractAbMetrics(report: Report): MetricSamples[] {
  const out: MetricSamples[] = [];
  const key = (c: Cell) => `${c.server}\u0000${c.workload}\u0000${c.concurrency}\u0000${isOpenLoop(c)}`;
  const bases = new Map(report.cells.filter((c) => c.build === 'base').map((c) => [key(c), c]));
  for (const cell of report.cells.filter((c) => c.build === undefined).sort((a, b) => a.server.localeCompare(b.server))) {
    const base = bases.get(key(cell));
    if (!base) continue;
    const { workload, concurrency } = cell;
    const subject = abSubject(cell.server);
    const add = (measure: MetricMeasure, values: number[]) => {
      if (values.length > 0)
        out.push({ workload, concurrency, subject, measure, id: metricId({ workload, concurrency, subject, measure }), values });
    };
    if (isOpenLoop(cell)) {
      // At a fixed rate both builds answer the same number of requests: what differs is how long
      // they took. A wait shows here even when it costs no CPU and the closed loop hides it.
      add('p99AtRate', pairedRatios(cell, base, p99Of, answeredRound));
      continue;
    }
    add('throughput', pairedRatios(cell, base, throughputOf, anyRound));
    add('efficiency', pairedRatios(cell, base, efficiencyOf, usedCpu));
    add('p99', pairedRatios(cell, base, p99Of, answeredRound));
  }
  // The rows that decide first: a server's workloads together, then each workload's own.
  return [...pooledAbMetrics(report), ...out];
}

/**
 * A server's req/s and req/CPU-s this ÷ base over all its closed-loop workloads at once: each
 * round's value is the geometric mean of the workloads' ratios in that round. The A/B gate judges
 * these rows, and shows each workload's own as advisory (decision.ts), because one workload's
 * rounds misled it. The workloads are measured on the same process pair in the same round, and
 * `mixed` is 90% `get`: two windows of nearly the same work. Judged one by one, each was a test of
 * its own at 2.5%, and in exact A/A runs (the same commit on both sides) sync `mixed` read 0.85
 * (interval 0.73-0.98) while its `get` read 1.11; the CI run of 51c81ab failed sync `get` at 0.81
 * (0.77-0.86) with `mixed` at 1.03. Within a round the two workloads' ratios often moved in
 * opposite directions, so their mean is steadier than either (docs/GATE.md, "One verdict per
 * server", has the runs). Nothing pooled under two workloads: the workload's own row is judged.
 */
export function pooledAbMetrics(report: Report): MetricSamples[] {
  const out: MetricSamples[] = [];
  const key = (c: Cell) => `${c.server}\u0000${c.workload}\u0000${c.concurrency}`;
  const closed = report.cells.filter((c) => !isOpenLoop(c));
  const bases = new Map(closed.filter((c) => c.build === 'base').map((c) => [key(c), c]));
  const mine = closed.filter((c) => c.build === undefined);
  for (const server of [...new Set(mine.map((c) => c.server))].sort()) {
    for (const concurrency of new Set(mine.filter((c) => c.server === server).map((c) => c.concurrency))) {
      const pairs = mine
        .filter((c) => c.server === server && c.concurrency === concurrency)
        .flatMap((c): Array<[Cell, Cell]> => {
          const base = bases.get(key(c));
          return base ? [[c, base]] : [];
        });
      if (pairs.length < 2) continue;
      const pooled = pairs.map(([c]) => c.workload);
      for (const [measure, pick, usable] of [
        ['throughput', throughputOf, anyRound],
        ['efficiency', efficiencyOf, usedCpu],
      ] as const) {
        const k: MetricKey = { workload: must(pooled[0], 'a pooled workload'), concurrency, subject: abSubject(server), measure, pooled };
        const values = pooledRatios(pairs, pick, usable);
        if (values.length > 0) out.push({ ...k, id: metricId(k), values });
      }
    }
  }
  return out;
}
