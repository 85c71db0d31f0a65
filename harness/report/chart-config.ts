// From a chart's data (a ChartSpec: plain JSON) to a chart.js configuration: axes, tick labels,
// tooltips and the two drawing plugins (min-max whiskers, the driver-ceiling line). The PNG charts
// (charts.ts, on @napi-rs/canvas) and the interactive charts in report.html (chart.js in the page)
// both call chartConfig, so the two draw the same thing.
//
// chartConfig's source text is embedded in report.html (Function.prototype.toString), so it must
// stay self-contained: every helper is defined inside it, and it refers to nothing imported or
// global beyond the JavaScript language itself. Types are fine (they are erased).
import type { Chart, ChartConfiguration, Scale, TooltipItem } from 'chart.js';

/** min-max of one data point, and an optional note drawn above it (e.g. "⚠ driver-bound"). */
export interface ErrorRange {
  min: number;
  max: number;
  note?: string;
}

export interface ChartSeries {
  label: string;
  color: string;
  dash: number[];
  /** Bars: one value per category (null: no bar). Lines: points. */
  data: (number | null)[] | { x: number; y: number }[];
  pointRadius?: number;
}

export interface ChartSpec {
  /** bar: categories on x; spectrum: latency by percentile (x = 1/(1-p)); sweep: metric by
   *  concurrency; rate: metric by offered rate (the knee charts). */
  kind: 'bar' | 'spectrum' | 'sweep' | 'rate';
  title: [headline: string, ...details: string[]];
  /** Bar categories. */
  labels?: string[];
  series: ChartSeries[];
  /** ranges[series][point]: the whisker (and note) of each point; empty for none. */
  ranges: (ErrorRange | null)[][];
  /** A dashed reference line (the driver's ceiling) and its label. */
  reference?: { value: number; label: string };
  x: { title: string; min?: number; max?: number; ticks?: { value: number; label: string }[] };
  y: { title: string; log: boolean; unit: 'req/s' | 'ms'; suggestedMax?: number };
}

/** The chart.js configuration of a spec; the caller adds responsive/animation options. */
export function chartConfig(spec: ChartSpec): ChartConfiguration {
  /** "24,257": comma thousands, locale-independent (the report's own format). */
  const thousands = (v: number, decimals = 0): string => {
    const [whole, frac] = Math.abs(v).toFixed(decimals).split('.');
    return (v < 0 ? '-' : '') + (whole ?? '').replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (frac ? `.${frac}` : '');
  };
  /** Milliseconds to three significant digits ("0.579", "12.3", "1,234"). */
  const ms = (v: number): string => {
    if (v === 0 || !Number.isFinite(v)) return String(v);
    const decimals = Math.max(0, 2 - Math.floor(Math.log10(Math.abs(v))));
    return thousands(v, decimals);
  };
  const number = (v: number): string => (spec.y.unit === 'req/s' ? thousands(v, Math.abs(v) < 10 && v !== 0 ? 1 : 0) : ms(v));
  const value = (v: number): string => `${number(v)} ${spec.y.unit}`;
  /** Log-axis labels only at 1-2-5 steps: the default labels every minor tick and they overlap. */
  const logTick = (raw: string | number): string => {
    const v = Number(raw);
    const mantissa = v / 10 ** Math.floor(Math.log10(v));
    if (![1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-9)) return '';
    return v >= 1000 ? thousands(v) : String(Number(v.toPrecision(6)));
  };
  const font = (size: number) => ({ size, weight: 'bold' as const });
  const grid = { color: '#e4e4e4' };
  const lineLegend = { position: 'top' as const, labels: { boxWidth: 40, boxHeight: 1 } };

  // Whiskers: a vertical min-max bar with caps over each point, and the point's note above it.
  const errorBars = {
    id: 'errorBars',
    afterDatasetsDraw(chart: Chart) {
      const ctx = chart.ctx;
      const y = chart.scales.y;
      if (!y) return;
      ctx.save();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = '#222222';
      ctx.fillStyle = '#222222';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.font = `12px ${chart.options.font?.family ?? 'sans-serif'}`;
      spec.ranges.forEach((perPoint, datasetIndex) => {
        const meta = chart.getDatasetMeta(datasetIndex);
        if (!meta || meta.hidden) return;
        perPoint.forEach((range, i) => {
          const el = meta.data[i];
          if (!range || !el) return;
          const top = y.getPixelForValue(range.max);
          const bottom = y.getPixelForValue(range.min);
          if (range.max > range.min) {
            const cap = 6;
            ctx.beginPath();
            ctx.moveTo(el.x, bottom);
            ctx.lineTo(el.x, top);
            ctx.moveTo(el.x - cap, top);
            ctx.lineTo(el.x + cap, top);
            ctx.moveTo(el.x - cap, bottom);
            ctx.lineTo(el.x + cap, bottom);
            ctx.stroke();
          }
          if (range.note) ctx.fillText(range.note, el.x, Math.min(top, el.y) - 4);
        });
      });
      ctx.restore();
    },
  };

  // The reference line across the plot, labelled in dark text where no bar or whisker rises
  // through the label (right end, left end, then the gaps between bars); failing that, on a
  // white box, so the label is always legible.
  const referenceLine = {
    id: 'referenceLine',
    afterDatasetsDraw(chart: Chart) {
      const ref = spec.reference;
      const y = chart.scales.y;
      if (!ref || !y) return;
      const py = y.getPixelForValue(ref.value);
      const { left, right } = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = '#555555';
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath();
      ctx.moveTo(left, py);
      ctx.lineTo(right, py);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = `12px ${chart.options.font?.family ?? 'sans-serif'}`;
      const textWidth = ctx.measureText(ref.label).width;
      const textHeight = 14;
      const labelBottom = py - 3;
      // What the label must not cross: bars (from their top down), points with their whiskers,
      // and the notes written above them.
      const obstacles: [number, number][] = [];
      spec.series.forEach((_, datasetIndex) => {
        const meta = chart.getDatasetMeta(datasetIndex);
        if (!meta || meta.hidden) return;
        meta.data.forEach((el, i) => {
          const range = spec.ranges[datasetIndex]?.[i];
          const top = Math.min(el.y, range ? y.getPixelForValue(range.max) : el.y) - 4;
          const bottom = spec.kind === 'bar' ? chart.chartArea.bottom : Math.max(el.y, range ? y.getPixelForValue(range.min) : el.y) + 4;
          const barWidth = (el as unknown as { width?: number }).width ?? 0;
          const spans: [number, number, number][] = [[top, bottom, spec.kind === 'bar' ? barWidth / 2 : 6]];
          if (range?.note) spans.push([top - textHeight - 4, top, ctx.measureText(range.note).width / 2]);
          for (const [t, b, half] of spans) {
            if (t < labelBottom && b > labelBottom - textHeight) obstacles.push([el.x - half - 2, el.x + half + 2]);
          }
        });
      });
      const free = (x0: number) => x0 >= left && x0 + textWidth <= right && obstacles.every(([a, b]) => b < x0 || a > x0 + textWidth);
      const candidates = [right - 4 - textWidth, left + 4];
      const edges = obstacles.flatMap(([a, b]) => [b + 4, a - 4 - textWidth]);
      const x0 = [...candidates, ...edges].find(free);
      if (x0 === undefined) {
        ctx.fillStyle = 'rgba(255,255,255,0.9)';
        ctx.fillRect(right - 8 - textWidth, labelBottom - textHeight, textWidth + 8, textHeight + 2);
      }
      ctx.fillStyle = '#222222';
      ctx.textAlign = 'left';
      ctx.textBaseline = 'bottom';
      ctx.fillText(ref.label, x0 ?? right - 4 - textWidth, labelBottom);
      ctx.restore();
    },
  };

  const percentileOf = (x: number): string => `p${Number((100 * (1 - 1 / x)).toPrecision(5))}`;
  const tooltip = {
    callbacks: {
      title: (items: TooltipItem<'bar' | 'line'>[]) => {
        const item = items[0];
        if (!item) return '';
        if (spec.kind === 'spectrum') return percentileOf(item.parsed.x ?? Number.NaN);
        if (spec.kind === 'sweep') return `${thousands(item.parsed.x ?? Number.NaN)} connections`;
        if (spec.kind === 'rate') return `${thousands(item.parsed.x ?? Number.NaN)} req/s offered`;
        return item.label;
      },
      label: (item: TooltipItem<'bar' | 'line'>) => {
        const range = spec.ranges[item.datasetIndex]?.[item.dataIndex];
        const spread = range && range.max > range.min ? ` (min-max ${number(range.min)}-${number(range.max)})` : '';
        return `${item.dataset.label}: ${value(item.parsed.y ?? Number.NaN)}${spread}${range?.note ? ` ${range.note}` : ''}`;
      },
    },
  };

  const yAxis = spec.y.log
    ? { type: 'logarithmic' as const, title: { display: true, text: spec.y.title, font: font(13) }, grid, ticks: { callback: logTick } }
    : {
        type: 'linear' as const,
        beginAtZero: true,
        grace: '8%',
        ...(spec.y.suggestedMax !== undefined ? { suggestedMax: spec.y.suggestedMax } : {}),
        title: { display: true, text: spec.y.title, font: font(13) },
        grid,
        ticks: { callback: (v: string | number) => (spec.y.unit === 'req/s' ? thousands(Number(v)) : String(Number(v))) },
      };
  const title = { display: true, text: spec.title, font: font(16), padding: { top: 6, bottom: 10 } };
  const plugins = [errorBars, referenceLine];

  if (spec.kind === 'bar') {
    return {
      type: 'bar',
      data: {
        labels: spec.labels ?? [],
        datasets: spec.series.map((s) => ({ label: s.label, data: s.data as (number | null)[], backgroundColor: s.color, borderWidth: 0 })),
      },
      options: {
        plugins: { title, legend: { position: 'top' }, tooltip },
        scales: { x: { title: { display: true, text: spec.x.title, font: font(13) } }, y: yAxis },
      },
      plugins,
    } as ChartConfiguration;
  }
  const ticks = spec.x.ticks ?? [];
  return {
    type: 'line',
    data: {
      datasets: spec.series.map((s) => ({
        label: s.label,
        data: s.data as { x: number; y: number }[],
        borderColor: s.color,
        backgroundColor: s.color,
        borderDash: s.dash,
        borderWidth: 2,
        pointRadius: s.pointRadius ?? 4,
        pointHitRadius: 6,
        tension: 0,
      })),
    },
    options: {
      interaction: { mode: 'nearest', intersect: false },
      plugins: { title, legend: lineLegend, tooltip },
      scales: {
        x: {
          type: 'logarithmic',
          ...(spec.x.min !== undefined ? { min: spec.x.min } : {}),
          ...(spec.x.max !== undefined ? { max: spec.x.max } : {}),
          title: { display: true, text: spec.x.title, font: font(13) },
          // Only the labelled values: the default log ticks (3, 4, 5, ...) mean nothing here.
          afterBuildTicks: (axis: Scale) => {
            axis.ticks = ticks.map((t) => ({ value: t.value }));
          },
          ticks: { callback: (v: string | number) => ticks.find((t) => t.value === Number(v))?.label ?? '' },
          grid,
        },
        y: yAxis,
      },
    },
    plugins,
  } as ChartConfiguration;
}
