// The terminal version of report.md: the same model, as aligned plain-text columns.
import type { Report } from '../schema/report-schema.js';
import { buildModel, type TableModel } from './model.js';

/** Display width: the ⚠ marker and ASCII are one column each; good enough for this report's text. */
function width(text: string): number {
  return [...text].length;
}

function pad(text: string, w: number, right: boolean): string {
  const fill = ' '.repeat(Math.max(0, w - width(text)));
  return right ? fill + text : text + fill;
}

function textTable(t: TableModel): string[] {
  const all = [t.header, ...t.rows];
  const widths = t.header.map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  const line = (r: string[]) => r.map((c, i) => pad(c, widths[i]!, i > 0 && i < t.figureColumns)).join('  ').trimEnd();
  return [line(t.header), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line)];
}

export function renderTerminal(report: Report): string {
  const m = buildModel(report);
  const out: string[] = [m.title, m.subtitle, ''];
  for (const t of m.tables) {
    out.push(`== ${t.title} ==`, ...textTable(t), t.caption);
    for (const w of t.warnings) out.push(`  ⚠ ${w}`);
    out.push('');
  }
  out.push('Setup:');
  const labelWidth = Math.max(...m.setup.map(([k]) => k.length));
  for (const [k, v] of m.setup) out.push(`  ${(k + ':').padEnd(labelWidth + 1)} ${v}`);
  out.push('', 'Pre-flight:', ...m.preflight.map((l) => `  ${l}`));
  out.push('', 'Rows written:', ...m.rowsWritten.map((l) => `  ${l}`));
  out.push('', 'Warnings:', ...(m.warnings.length ? m.warnings.map((w) => `  - ${w}`) : ['  none']), '');
  return out.join('\n');
}
