// `mkvss-lab diff` as text: the DiffModel (diff-model.ts) as aligned terminal columns or as
// Markdown. Both print the same model, so they never disagree on a figure or a word. Settings that
// differ between the runs come first: they qualify every figure below them.
//
// The two small table writers here mirror terminal.ts and markdown.ts, kept separate so this file
// does not depend on the compare renderers while those are being reworked (one shared table
// writer can replace both later).
import type { DiffModel, DiffTable } from './diff-model.js';
import { must } from '../must.js';

/** Display width: the ⚠ marker and ASCII are one column each. */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(text)));
  return right ? fill + text : text + fill;
}

function textTable(t: DiffTable): string[] {
  const all = [t.header, ...t.rows];
  const widths = t.header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]) => r.map((c, i) => pad(c, must(widths[i], 'a header cell for every column'), i > 0 && i < t.figureColumns)).join('  ').trimEnd();
  return [line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)];
}

function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function markdownTable(t: DiffTable): string[] {
  const line = (cells: string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
  const align = t.header.map((_, i) => (i === 0 || i >= t.figureColumns ? ':---' : '---:'));
  return [line(t.header), `|${align.join('|')}|`, ...t.rows.map(line)];
}

export function renderDiffTerminal(m: DiffModel): string {
  const out: string[] = [m.title, ...m.sides, '', m.note, ''];
  if (m.settingsWarnings.length) {
    out.push('⚠ The runs differ in their settings; figures below are not like-for-like:', ...m.settingsWarnings.map((w) => `  - ${w}`), '');
  }
  if (m.tables.length === 0) out.push('No (server, workload, concurrency) was measured in both runs.', '');
  for (const t of m.tables) {
    out.push(`== ${t.title} ==`, ...textTable(t), t.caption);
    for (const w of t.warnings) out.push(`  ⚠ ${w}`);
    out.push('');
  }
  if (m.onlyInOld.length) out.push('Only in OLD:', ...m.onlyInOld.map((c) => `  - ${c}`), '');
  if (m.onlyInNew.length) out.push('Only in NEW:', ...m.onlyInNew.map((c) => `  - ${c}`), '');
  return out.join('\n');
}

export function renderDiffMarkdown(m: DiffModel): string {
  const out: string[] = [`# ${m.title}`, '', ...m.sides.map((s) => `- ${s}`), '', m.note, ''];
  if (m.settingsWarnings.length) {
    out.push('> ⚠ The runs differ in their settings; figures below are not like-for-like:', '>', ...m.settingsWarnings.map((w) => `> - ${w}`), '');
  }
  if (m.tables.length === 0) out.push('No (server, workload, concurrency) was measured in both runs.', '');
  for (const t of m.tables) {
    out.push(`## ${t.title}`, '', ...markdownTable(t), '', t.caption, '');
    if (t.warnings.length) out.push('Not ok:', '', ...t.warnings.map((w) => `- ${w}`), '');
  }
  if (m.onlyInOld.length) out.push('## Only in OLD', '', ...m.onlyInOld.map((c) => `- ${c}`), '');
  if (m.onlyInNew.length) out.push('## Only in NEW', '', ...m.onlyInNew.map((c) => `- ${c}`), '');
  return out.join('\n');
}
