// report.html: one self-contained page (inline CSS, inline scripts, charts as data: URIs, no
// external assets), so it can be mailed or attached to a CI run and still open anywhere, offline.
// The charts are interactive where scripts run: chart.js (its UMD build, read from node_modules
// when the page is rendered) and chart-config.ts's chartConfig are inlined with each chart's data
// as JSON, and draw each chart again over its PNG, so hovering a point shows its value. Without
// scripts, or if drawing fails, the PNG stays.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Report } from '../schema/report-schema.js';
import { chartConfig, type ChartSpec } from './chart-config.js';
import { kneeHtmlParts } from './knee-tables.js';
import { buildModel, NOT_OK_MARK, type TableModel } from './model.js';

/** An image to embed: the PNG bytes and a caption. */
export interface HtmlChart {
  title: string;
  png: Buffer;
  width: number;
  height: number;
  /** The chart's data: when present (and chart.js is found), the page draws it interactively. */
  spec?: ChartSpec;
}

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const CSS = `
body { font-family: system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; color: #222; }
h1 { font-size: 1.5rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: .25rem .6rem; }
th { background: #f2f2f2; text-align: left; }
td.figure { text-align: right; white-space: nowrap; }
td.not-ok, th.not-ok { background: #fff4e0; }
.caption { color: #555; font-size: .9rem; }
.warn { color: #8a4b00; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figure .chart { position: relative; width: 100%; max-width: 1000px; aspect-ratio: 1000 / 560; border: 1px solid #ddd; }
dl.setup { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.setup dt { font-weight: 600; } dl.setup dd { margin: 0; }
`.trim();

function htmlTable(t: Pick<TableModel, 'header' | 'rows' | 'figureColumns' | 'notOk'>): string {
  // A server whose run was not clean: its header carries the mark and its column a tint.
  const head = `<tr>${t.header.map((h, i) => `<th${t.notOk[i] ? ' class="not-ok"' : ''}>${escapeHtml(h)}</th>`).join('')}</tr>`;
  const body = t.rows.map((row) => {
    const cells = row.map((c, i) => {
      if (i === 0) return `<th>${escapeHtml(c)}</th>`;
      const cls = [i < t.figureColumns ? 'figure' : '', t.notOk[i] ? 'not-ok' : ''].filter(Boolean).join(' ');
      return `<td${cls ? ` class="${cls}"` : ''}>${escapeHtml(c)}</td>`;
    });
    return `<tr>${cells.join('')}</tr>`;
  });
  return `<table>\n<thead>${head}</thead>\n<tbody>\n${body.join('\n')}\n</tbody>\n</table>`;
}

function list(items: string[], cls = ''): string {
  return `<ul${cls ? ` class="${cls}"` : ''}>${items.map((i) => `<li>${escapeHtml(i)}</li>`).join('')}</ul>`;
}

export function renderHtml(report: Report, charts: HtmlChart[] = []): string {
  const m = buildModel(report);
  const parts: string[] = [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<title>${escapeHtml(m.title)}</title>`,
    `<style>\n${CSS}\n</style>`,
    '</head>',
    '<body>',
    `<h1>${escapeHtml(m.title)}</h1>`,
    `<p>${escapeHtml(m.subtitle)}</p>`,
  ];
  for (const t of m.tables) {
    parts.push(`<h2>${escapeHtml(t.title)}</h2>`, htmlTable(t), `<p class="caption">${escapeHtml(t.caption)}</p>`);
    if (t.warnings.length)
      parts.push(
        list(
          t.warnings.map((w) => `${NOT_OK_MARK} ${w}`),
          'warn',
        ),
      );
  }
  if (report.knee) parts.push(...kneeHtmlParts(report.knee, escapeHtml, htmlTable));
  if (charts.length) {
    parts.push('<h2>Charts</h2>');
    const interactive = chartScript(charts);
    if (interactive) parts.push('<p class="caption">Hover a point or a bar to read its value.</p>');
    charts.forEach((c, i) => {
      const src = `data:image/png;base64,${c.png.toString('base64')}`;
      const data = interactive && c.spec ? ` data-chart="${i}"` : '';
      parts.push(
        `<figure${data}><img src="${src}" width="${c.width}" height="${c.height}" alt="${escapeHtml(c.title)}"><figcaption>${escapeHtml(c.title)}</figcaption></figure>`,
      );
    });
    if (interactive) parts.push(interactive);
  }
  parts.push(
    '<h2>Setup</h2>',
    `<dl class="setup">${m.setup.map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd>`).join('')}</dl>`,
  );
  parts.push('<h2>Pre-flight</h2>', list(m.preflight));
  parts.push('<h2>Rows written</h2>', `<p>${escapeHtml(m.rowsWrittenNote)}</p>`, list(m.rowsWritten));
  parts.push('<h2>Warnings</h2>', m.warnings.length ? list(m.warnings, 'warn') : '<p>none</p>');
  parts.push('</body>', '</html>', '');
  return parts.join('\n');
}

/** chart.js's UMD build, without its source-map comment (the page must not ask for anything). */
function chartJsSource(): string | null {
  try {
    const main = createRequire(import.meta.url).resolve('chart.js');
    const umd = readFileSync(path.join(path.dirname(main), 'chart.umd.js'), 'utf8');
    return umd.replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  } catch {
    return null;
  }
}

/** Text safe inside <script>: nothing in it may close the element early. */
function scriptText(text: string): string {
  if (/<\/script/i.test(text)) throw new Error('script text contains "</script"; cannot inline it');
  return text;
}

/** The page's scripts: chart.js, chartConfig and every chart's spec; null when chart.js is not found. */
function chartScript(charts: HtmlChart[]): string | null {
  if (!charts.some((c) => c.spec)) return null;
  const chartJs = chartJsSource();
  if (chartJs === null) return null;
  // JSON with "<" escaped cannot end the script element, whatever a label says.
  const specs = JSON.stringify(charts.map((c) => c.spec ?? null)).replace(/</g, '\\u003c');
  const draw = `
const chartConfig = (${chartConfig.toString()});
const specs = ${specs};
Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
Chart.defaults.font.size = 13;
Chart.defaults.color = '#222222';
for (const figure of document.querySelectorAll('figure[data-chart]')) {
  const spec = specs[Number(figure.dataset.chart)];
  const img = figure.querySelector('img');
  const box = document.createElement('div');
  box.className = 'chart';
  const canvas = document.createElement('canvas');
  box.appendChild(canvas);
  try {
    figure.insertBefore(box, img);
    const config = chartConfig(spec);
    config.options = { ...config.options, responsive: true, maintainAspectRatio: false, animation: false };
    new Chart(canvas, config);
    img.hidden = true;
  } catch (err) {
    box.remove();
    console.error('chart not drawn, the PNG stays:', err);
  }
}
`;
  return `<script>/* chart.js (MIT License), inlined so this page works offline */\n${scriptText(chartJs)}</script>\n<script>${scriptText(draw)}</script>`;
}
