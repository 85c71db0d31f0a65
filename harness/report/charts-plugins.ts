// The PNG charts' white background: a canvas is transparent unless painted, and a transparent PNG
// is unreadable on a dark viewer. (The whiskers and the reference line, which the page's charts
// draw too, are in chart-config.ts.)
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
