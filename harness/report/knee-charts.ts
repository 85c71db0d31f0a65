// The knee charts of a report (compare --knee): achieved vs offered rate per server with each
// knee marked (knee-throughput.png), and p99 vs offered rate on a log axis, the hockey stick
// (knee-p99.png). Specs only: charts.ts draws them like the others, and report.html again.
import type { Knee, ServerName } from '../schema/report-schema.js';
import type { ChartSeries, ChartSpec } from './chart-config.js';
import { thousands } from './format.js';

/** Rate ticks at 1-2-5 steps between the smallest and largest offered rate. */
function rateTicks(lo: number, hi: number): { value: number; label: string }[] {
  const ticks: { value: number; label: string }[] = [];
  for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= lo / 1.3 && v <= hi * 1.3) ticks.push({ value: v, label: thousands(v) });
    }
  }
  return ticks;
}

/** One point per offered rate, in rate order: the measurement that counted (a failed step's
 *  passing repeat, else the last repeat). */
function sortedSteps(k: Knee, server: ServerName) {
  const byRate = new Map<number, Knee['servers'][number]['steps'][number]>();
  for (const st of k.servers.find((s) => s.server === server)?.steps ?? []) {
    const had = byRate.get(st.offered);
    if (!had?.ok) byRate.set(st.offered, st);
  }
  return [...byRate.values()].sort((a, b) => a.offered - b.offered);
}

function xAxis(k: Knee) {
  const offered = k.servers.flatMap((s) => s.steps.map((st) => st.offered));
  const lo = Math.min(...offered);
  const hi = Math.max(...offered);
  return { title: 'Offered rate (req/s, log scale)', min: lo / 1.2, max: hi * 1.2, ticks: rateTicks(lo, hi) };
}

export function kneeThroughputSpec(k: Knee, colorOf: (server: ServerName) => string): ChartSpec {
  const series: ChartSeries[] = [];
  const offered = k.servers.flatMap((s) => s.steps.map((st) => st.offered));
  const hi = Math.max(...offered);
  // The diagonal: a server that keeps up lies on it. Drawn through many points: on a log x axis
  // and a linear y axis, y = x is a curve, and two points would draw it as a straight line.
  const lo = Math.min(...offered);
  const diagonal = Array.from({ length: 41 }, (_, i) => lo * (hi / lo) ** (i / 40)).map((v) => ({ x: v, y: v }));
  series.push({ label: 'achieved = offered', color: '#9a9a9a', dash: [6, 4], data: diagonal, pointRadius: 0 });
  for (const s of k.servers) {
    series.push({
      label: s.server,
      color: colorOf(s.server),
      dash: [],
      data: sortedSteps(k, s.server).map((st) => ({ x: st.offered, y: Number.isFinite(st.achieved) ? st.achieved : 0 })),
    });
    if (Number.isFinite(s.kneeRate)) {
      const at = s.steps.find((st) => st.offered === s.kneeRate);
      series.push({
        label: `${s.server} knee ${thousands(s.kneeRate)} req/s`,
        color: colorOf(s.server),
        dash: [],
        data: [{ x: s.kneeRate, y: at?.achieved ?? s.kneeRate }],
        pointRadius: 10,
      });
    }
  }
  return {
    kind: 'rate',
    title: [
      'Achieved vs offered rate (knee search)',
      `${k.workload}, ${k.concurrency} connections, one ${k.stepMs / 1000} s step per rate; large dot = knee`,
    ],
    series,
    ranges: [],
    x: xAxis(k),
    y: { title: 'Achieved (responses/s), higher is better', log: false, unit: 'req/s' },
  };
}

export function kneeP99Spec(k: Knee, colorOf: (server: ServerName) => string): ChartSpec {
  const series: ChartSeries[] = [];
  for (const s of k.servers) {
    series.push({
      label: s.server,
      color: colorOf(s.server),
      dash: [],
      data: sortedSteps(k, s.server)
        .filter((st) => Number.isFinite(st.p99Us) && st.p99Us > 0)
        .map((st) => ({ x: st.offered, y: st.p99Us / 1000 })),
    });
    if (Number.isFinite(s.kneeRate) && Number.isFinite(s.kneeP99Us) && s.kneeP99Us > 0) {
      series.push({
        label: `${s.server} knee`,
        color: colorOf(s.server),
        dash: [],
        data: [{ x: s.kneeRate, y: s.kneeP99Us / 1000 }],
        pointRadius: 10,
      });
    }
  }
  const xs = xAxis(k);
  series.push({
    label: `p99 bound ${thousands(k.rule.p99BoundUs / 1000)} ms`,
    color: '#9a9a9a',
    dash: [6, 4],
    data: [
      { x: xs.min, y: k.rule.p99BoundUs / 1000 },
      { x: xs.max, y: k.rule.p99BoundUs / 1000 },
    ],
    pointRadius: 0,
  });
  return {
    kind: 'rate',
    title: ['P99 latency vs offered rate (the hockey stick)', 'from the intended send time; lower is better; large dot = knee'],
    series,
    ranges: [],
    x: xs,
    y: { title: 'P99 latency (ms, log scale), lower is better', log: true, unit: 'ms' },
  };
}
