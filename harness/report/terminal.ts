// The terminal version of report.md: the same model, as aligned plain-text columns kept within
// TERMINAL_WIDTH, so a table does not wrap in an 80-100 column terminal: when the columns do not
// fit side by side they continue in a second block under the first (the row labels repeated),
// and prose lines wrap with a hanging indent.
import type { Report } from '../schema/report-schema.js';
import { kneeTerminal } from './knee-tables.js';
import { buildModel, NOT_OK_MARK, type TableModel } from './model.js';
import { alignedTable, COLUMN_GAP, columnWidths, displayWidth as width } from './table.js';
import { must } from '../must.js';

/** The widest line the terminal report prints (tables and prose alike). */
export const TERMINAL_WIDTH = 100;

/** Columns 1..n split into runs that fit beside the label column within `maxWidth`. */
function columnBlocks(widths: number[], maxWidth: number): number[][] {
  const blocks: number[][] = [];
  let current: number[] = [];
  const labelWidth = must(widths[0], 'the label column width');
  let used = labelWidth;
  for (const [i, w] of widths.entries()) {
    if (i === 0) continue; // the label column, repeated at the left of every block
    if (current.length > 0 && used + COLUMN_GAP + w > maxWidth) {
      blocks.push(current);
      current = [];
      used = labelWidth;
    }
    current.push(i);
    used += COLUMN_GAP + w;
  }
  if (current.length > 0) blocks.push(current);
  return blocks;
}

function textTable(t: TableModel, maxWidth: number): string[] {
  const widths = columnWidths(t.header, t.rows);
  const figures = (i: number) => i > 0 && i < t.figureColumns;
  const out: string[] = [];
  for (const block of columnBlocks(widths, maxWidth)) {
    // A continuation block leaves out the rows it has nothing for (resources have no factor).
    const rows = out.length === 0 ? t.rows : t.rows.filter((r) => block.some((i) => (r[i] ?? '') !== ''));
    if (out.length > 0) out.push('');
    out.push(...alignedTable(t.header, rows, figures, widths, [0, ...block]));
  }
  return out;
}

/** Words of `text` in lines of at most `maxWidth`, the first after `first`, the rest after `rest`. */
export function wrap(text: string, maxWidth: number, first = '', rest = ' '.repeat(first.length)): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (const word of text.split(/ +/)) {
    if (!empty && width(line) + 1 + width(word) > maxWidth) {
      lines.push(line);
      line = rest + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines;
}

export function renderTerminal(report: Report, maxWidth = TERMINAL_WIDTH): string {
  const m = buildModel(report);
  const out: string[] = [m.title, m.subtitle, ''];
  for (const t of m.tables) {
    out.push(`== ${t.title} ==`, ...textTable(t, maxWidth), ...wrap(t.caption, maxWidth));
    for (const w of t.warnings) out.push(...wrap(w, maxWidth, `  ${NOT_OK_MARK} `));
    out.push('');
  }
  if (report.knee) out.push(...kneeTerminal(report.knee));
  out.push('Setup:');
  const labelWidth = Math.max(...m.setup.map(([k]) => k.length));
  for (const [k, v] of m.setup) out.push(...wrap(v, maxWidth, `  ${(k + ':').padEnd(labelWidth + 1)} `));
  out.push('', 'Pre-flight:', ...m.preflight.flatMap((l) => wrap(l, maxWidth, '  ', '    ')));
  out.push('', 'Rows written:', ...wrap(m.rowsWrittenNote, maxWidth, '  '), ...m.rowsWritten.flatMap((l) => wrap(l, maxWidth, '  - ')));
  out.push('', 'Warnings:', ...(m.warnings.length ? m.warnings.flatMap((w) => wrap(w, maxWidth, '  - ')) : ['  none']), '');
  return out.join('\n');
}
