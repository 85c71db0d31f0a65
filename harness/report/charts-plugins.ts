// Two small chart.js plugins the report charts need: a white background (a canvas is transparent
// unless painted, and a transparent PNG is unreadable on a dark viewer) and min-max error bars
// (chart.js has none built in; the spread across rounds is the honest part of a median).
import type { Chart, Plugin } from 'chart.js';

export const whiteBackground: Plugin = {
  id: 'whiteBackground',
  beforeDraw(chart: Chart) {
    const ctx = chart.ctx;
    ctx.save();
    ctx.globalCompositeOperation = 'destination-over';
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, chart.width, chart.height);
    ctx.restore();
  },
};

/** min-max of one data point, and an optional note drawn above it (e.g. "⚠ driver-bound"). */
export interface ErrorRange {
  min: number;
  max: number;
  note?: string;
}

/**
 * Draws a vertical min-max bar with caps over each point of each dataset, in the dataset's colour.
 * ranges[datasetIndex][dataIndex]; a missing entry draws nothing. Works for bars and line points:
 * it only needs the element's x pixel and the y scale.
 */
export function errorBars(ranges: (ErrorRange | null)[][], color = '#222222'): Plugin {
  return {
    id: 'errorBars',
    afterDatasetsDraw(chart: Chart) {
      const ctx = chart.ctx;
      const y = chart.scales['y'];
      if (!y) return;
      ctx.save();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.font = '12px ' + (chart.options.font?.family ?? 'sans-serif');
      ranges.forEach((perPoint, datasetIndex) => {
        const meta = chart.getDatasetMeta(datasetIndex);
        if (meta.hidden) return;
        perPoint.forEach((range, i) => {
          const el = meta.data[i];
          if (!range || !el) return;
          const x = el.x;
          const top = y.getPixelForValue(range.max);
          const bottom = y.getPixelForValue(range.min);
          if (range.max > range.min) {
            const cap = 6;
            ctx.beginPath();
            ctx.moveTo(x, bottom); ctx.lineTo(x, top);
            ctx.moveTo(x - cap, top); ctx.lineTo(x + cap, top);
            ctx.moveTo(x - cap, bottom); ctx.lineTo(x + cap, bottom);
            ctx.stroke();
          }
          if (range.note) ctx.fillText(range.note, x, Math.min(top, el.y) - 4);
        });
      });
      ctx.restore();
    },
  };
}

/** A dashed horizontal reference line across the plot at y = value, labelled at its right end. */
export function referenceLine(value: number, label: string, color = '#555555'): Plugin {
  return {
    id: 'referenceLine',
    afterDatasetsDraw(chart: Chart) {
      const y = chart.scales['y'];
      if (!y) return;
      const py = y.getPixelForValue(value);
      const { left, right } = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = 1.5;
      ctx.setLineDash([6, 4]);
      ctx.beginPath(); ctx.moveTo(left, py); ctx.lineTo(right, py); ctx.stroke();
      ctx.setLineDash([]);
      ctx.font = '12px ' + (chart.options.font?.family ?? 'sans-serif');
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(label, right - 4, py - 3);
      ctx.restore();
    },
  };
}
