// Tables as text, for every report the lab prints (compare's and the gate's): aligned plain-text
// columns for a terminal and GitHub-flavoured Markdown tables, with one escaping rule.
import { must } from '../must.js';

/** Display width: the ⚠ marker, − and ÷ and ASCII are one column each; good enough for these reports. */
export function displayWidth(text: string): number {
  return [...text].length;
}

function pad(text: string, width: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, width - displayWidth(text)));
  return right ? fill + text : text + fill;
}

export const COLUMN_GAP = 2;

/** Each column's width: its widest cell, header included. */
export function columnWidths(header: readonly string[], rows: readonly (readonly string[])[]): number[] {
  return header.map((_, i) => Math.max(...[header, ...rows].map((r) => displayWidth(r[i] ?? ''))));
}

/**
 * Header, a dashed rule and the rows, in aligned columns (of `columns`, all by default);
 * `rightAligned(i)` says which columns hold figures (aligned on their last digit).
 */
export function alignedTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: (column: number) => boolean,
  widths = columnWidths(header, rows),
  columns: readonly number[] = header.map((_, i) => i),
): string[] {
  const gap = ' '.repeat(COLUMN_GAP);
  const widthOf = (i: number) => must(widths[i], 'a width for every column');
  const line = (r: readonly string[]) =>
    columns
      .map((i) => pad(r[i] ?? '', widthOf(i), rightAligned(i)))
      .join(gap)
      .trimEnd();
  return [line(header), columns.map((i) => '-'.repeat(widthOf(i))).join(gap), ...rows.map(line)];
}

/** A cell's text made safe for a Markdown table: backslashes and pipes escaped, newlines as spaces. */
export function escapeMarkdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** A Markdown table; `rightAligned(i)` columns get `---:`. Cells are escaped here. */
export function markdownTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: (column: number) => boolean,
): string[] {
  const line = (cells: readonly string[]) => `| ${cells.map(escapeMarkdownCell).join(' | ')} |`;
  const align = header.map((_, i) => (rightAligned(i) ? '---:' : ':---'));
  return [line(header), `|${align.join('|')}|`, ...rows.map(line)];
}
