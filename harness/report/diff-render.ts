// `mkvss-lab diff` as text: the DiffModel (diff-model.ts) as aligned terminal columns or as
// Markdown. Both print the same model, so they never disagree on a figure or a word. Settings that
// differ between the runs come first: they qualify every figure below them.
import type { DiffModel, DiffTable } from './diff-model.js';
import { alignedTable, markdownTable } from './table.js';

/** The figure columns (between the first, the cell's name, and t.figureColumns) align right. */
const figureColumn = (t: DiffTable) => (i: number) => i > 0 && i < t.figureColumns;

export function renderDiffTerminal(m: DiffModel): string {
  const out: string[] = [m.title, ...m.sides, '', m.note, ''];
  if (m.settingsWarnings.length) {
    out.push('⚠ The runs differ in their settings; figures below are not like-for-like:', ...m.settingsWarnings.map((w) => `  - ${w}`), '');
  }
  if (m.tables.length === 0) out.push('No (server, workload, concurrency) was measured in both runs.', '');
  for (const t of m.tables) {
    out.push(`== ${t.title} ==`, ...alignedTable(t.header, t.rows, figureColumn(t)), t.caption);
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
    out.push(
      '> ⚠ The runs differ in their settings; figures below are not like-for-like:',
      '>',
      ...m.settingsWarnings.map((w) => `> - ${w}`),
      '',
    );
  }
  if (m.tables.length === 0) out.push('No (server, workload, concurrency) was measured in both runs.', '');
  for (const t of m.tables) {
    out.push(`## ${t.title}`, '', ...markdownTable(t.header, t.rows, figureColumn(t)), '', t.caption, '');
    if (t.warnings.length) out.push('Not ok:', '', ...t.warnings.map((w) => `- ${w}`), '');
  }
  if (m.onlyInOld.length) out.push('## Only in OLD', '', ...m.onlyInOld.map((c) => `- ${c}`), '');
  if (m.onlyInNew.length) out.push('## Only in NEW', '', ...m.onlyInNew.map((c) => `- ${c}`), '');
  return out.join('\n');
}
