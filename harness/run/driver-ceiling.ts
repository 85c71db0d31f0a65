// The driver ceiling: what the load driver alone pushes against the floor server (a canned 200),
// measured in one short slot every other round (schedule.ts), and what it says about the servers' figures.
//
// One ceiling figure from another moment contradicted the run it sat in (ceiling 53,112 req/s,
// async 56,853: "107% of it"). So it is measured between rounds like everything else and reported
// as a median with its spread; a server measured above the whole range means the ceiling slots
// were themselves held back (the machine, not the driver), and is said so wherever it matters.
import type { Cell, Report, Round } from '../schema/report-schema.js';
import { median, spread } from '../analysis/stats.js';
import { formatRate } from '../report/format.js';

export type DriverCeiling = NonNullable<Report['driverCeiling']>;

/** From the ceiling's own slots (the floor not among the servers). */
export function ceilingFromSlots(rounds: readonly Round[], concurrency: number, cells: readonly Cell[]): DriverCeiling | undefined {
  if (rounds.length === 0) return undefined;
  const s = spread(rounds.map((r) => r.throughput));
  return markUndercut(
    {
      workload: 'get',
      concurrency,
      throughput: s.median,
      driverCpuPct: median(rounds.map((r) => r.driverCpuPct)),
      spread: s,
      slots: rounds.length,
    },
    cells,
  );
}

/** From the floor's own cells (the floor among the servers): its fastest GET cell. */
export function ceilingFromFloorCells(cells: readonly Cell[]): DriverCeiling | undefined {
  const floorGet = cells
    .filter((c) => c.server === 'floor' && c.workload === 'get')
    .sort((a, b) => b.summary.throughput.median - a.summary.throughput.median)[0];
  if (!floorGet) return undefined;
  const t = floorGet.summary.throughput;
  return markUndercut(
    {
      workload: 'get',
      concurrency: floorGet.concurrency,
      throughput: t.median,
      driverCpuPct: floorGet.summary.driverCpuPct.median,
      spread: t,
      slots: floorGet.rounds.length,
    },
    cells,
  );
}

function markUndercut(c: DriverCeiling, cells: readonly Cell[]): DriverCeiling {
  return overCeiling(c, cells).length > 0 ? { ...c, undercut: true } : c;
}

/** Cells (not the floor's) whose median lies above the ceiling's whole range. */
export function overCeiling(c: DriverCeiling, cells: readonly Cell[]): Cell[] {
  const top = c.spread?.max ?? c.throughput;
  return cells.filter((x) => x.server !== 'floor' && x.summary.throughput.median > top);
}

/** Warnings about cells and the ceiling: driver-bound figures, and figures above the ceiling. */
export function ceilingWarnings(c: DriverCeiling | undefined, cells: readonly Cell[]): string[] {
  const out: string[] = [];
  const above = new Set(c ? overCeiling(c, cells) : []);
  const range = c?.spread
    ? `${formatRate(c.spread.min)}-${formatRate(c.spread.max)} req/s over ${c.slots} slot${c.slots === 1 ? '' : 's'}`
    : c
      ? `${formatRate(c.throughput)} req/s`
      : '';
  for (const cell of cells) {
    const what = `${cell.server} ${cell.workload} c=${cell.concurrency}`;
    const rate = `${formatRate(cell.summary.throughput.median)} req/s`;
    if (above.has(cell)) {
      out.push(
        `${what} measured ${rate}, above the driver ceiling's range (${range}): the ceiling was undercut (its slots were held back by something other than the driver), so it is no ceiling here${cell.verdict === 'driver-bound' ? `; the driver was still near its limit, so ${rate} is at most a floor under the server's limit` : ''}.`,
      );
    } else if (cell.verdict === 'driver-bound') {
      out.push(
        `${what} is driver-bound: the load generator used nearly all its CPU, so ${rate} is a floor, not the server's limit${c ? ` (driver ceiling ${range})` : ''}.`,
      );
    }
  }
  return out;
}
