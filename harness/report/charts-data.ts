// The numbers behind the charts, kept apart from drawing so they can be checked without pixels:
// the latency spectrum of a cell (the median over rounds of each round's own percentile, as the
// tables read it; the tables' five percentiles when a round has no histogram), and the tick
// positions of the "1/(1-p)" percentile axis.
import type { Cell } from '../schema/report-schema.js';
import { decodeHistogram, medianOfRoundPercentiles } from '../analysis/stats.js';

/** x position of percentile p (0..1) on the spectrum axis: 1/(1-p), so p50 = 2, p99 = 100, p99.99 = 10,000. */
export function percentileToX(p: number): number {
  if (!(p >= 0 && p < 1)) throw new RangeError(`percentile must be within [0, 1), got ${p}`);
  return 1 / (1 - p);
}

/** The labelled ticks of the spectrum axis, p50 to p99.99. */
export const PERCENTILE_TICKS: readonly { x: number; label: string }[] = [
  { x: 2, label: '50%' },
  { x: 10, label: '90%' },
  { x: 100, label: '99%' },
  { x: 1000, label: '99.9%' },
  { x: 10000, label: '99.99%' },
];

export interface SpectrumPoint {
  /** 1/(1-p) */
  x: number;
  /** latency, ms */
  y: number;
}

export interface Spectrum {
  points: SpectrumPoint[];
  /** 'hdr': each round's own histogram read at each plotted percentile, then the median over the
   *  rounds (a smooth curve); 'summary': the tables' median p50..p99.99 (the same method, 5 points). */
  source: 'hdr' | 'summary';
}

/** How many responses each round's histogram holds, or null when a round has none, one does not
 *  decode, or one is empty: then the chart plots the tables' own five medians instead. */
function roundCounts(cell: Cell): number[] | null {
  if (cell.rounds.length === 0 || cell.rounds.some((r) => !r.histogram)) return null;
  try {
    const counts = cell.rounds.map((r) => {
      const h = decodeHistogram(r.histogram);
      const n = h.totalCount;
      h.destroy();
      return n;
    });
    return counts.every((n) => n > 0) ? counts : null;
  } catch {
    return null;
  }
}

const SAMPLES = 120;
const X_MAX = 10000;
/** The tables' percentiles (latencySummary): plotted exactly, so the curve passes through the
 *  figures printed in the table cell for the same cell. */
const TABLE_PERCENTILES = [50, 90, 99, 99.9, 99.99];

/**
 * The latency spectrum of a cell, read the way the tables read it (`medianOfRoundPercentiles`):
 * at each percentile, each round's own percentile, then the median over the rounds. Never the
 * pooled histogram: that would let the round with the most responses weigh most, and the curve
 * would disagree with the table cell beside it.
 */
export function spectrumOf(cell: Cell): Spectrum {
  const counts = roundCounts(cell);
  if (counts) {
    // Beyond x = count a round's percentile is just its max again: stop where the smallest round
    // stops resolving, so no point of the curve is a median of some rounds' maxima.
    const xMax = Math.min(X_MAX, Math.max(2, Math.min(...counts)));
    const table = TABLE_PERCENTILES.filter((p) => percentileToX(p / 100) <= xMax * (1 + 1e-9));
    const grid: number[] = [];
    for (let i = 0; i <= SAMPLES; i++) grid.push((1 - 1 / (2 * (xMax / 2) ** (i / SAMPLES))) * 100);
    // A grid point that is a table percentile but for rounding gives way to the exact one.
    const ps = [...grid.filter((g) => !table.some((t) => Math.abs(g - t) < 1e-9)), ...table].sort((a, b) => a - b);
    const ys = medianOfRoundPercentiles(
      cell.rounds.map((r) => r.histogram),
      ps,
    );
    const points = ps.map((p, i) => ({ x: percentileToX(p / 100), y: (ys[i] ?? Number.NaN) / 1000 }));
    return { points, source: 'hdr' };
  }
  const s = cell.summary;
  const points = [
    { x: 2, y: s.p50Us.median / 1000 },
    { x: 10, y: s.p90Us.median / 1000 },
    { x: 100, y: s.p99Us.median / 1000 },
    { x: 1000, y: s.p999Us.median / 1000 },
    { x: 10000, y: s.p9999Us.median / 1000 },
  ];
  return { points, source: 'summary' };
}
