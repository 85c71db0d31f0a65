// report.md: the seed's table shape (a column per server, then "async vs sync"), one table per
// (workload, concurrency), then setup, pre-flight, rows written and warnings. Deterministic: the only
// time in it is report.createdAt, so the same report always renders the same bytes.
import type { Report } from '../schema/report-schema.js';
import { kneeMarkdown } from './knee-tables.js';
import { buildModel, NOT_OK_MARK, type TableModel } from './model.js';
import { markdownTable } from './table.js';

/** A chart written next to report.md, linked from it. */
export interface ChartLink {
  file: string;
  title: string;
}

function tableLines(t: TableModel): string[] {
  // Figures right-aligned (they line up on the digits), wordings and labels left-aligned.
  return markdownTable(t.header, t.rows, (i) => i > 0 && i < t.figureColumns);
}

function bullets(items: string[]): string[] {
  return items.map((i) => `- ${i}`);
}

export function renderMarkdown(report: Report, options: { charts?: ChartLink[] } = {}): string {
  const m = buildModel(report);
  const out: string[] = [`# ${m.title}`, '', m.subtitle, ''];
  for (const t of m.tables) {
    out.push(`## ${t.title}`, '', ...tableLines(t), '', t.caption, '');
    if (t.warnings.length) out.push(...t.warnings.map((w) => `${NOT_OK_MARK} ${w}`), '');
  }
  if (report.knee) out.push(...kneeMarkdown(report.knee));
  if (options.charts?.length) {
    out.push('## Charts', '');
    for (const c of options.charts) out.push(`![${c.title}](${c.file})`, '');
  }
  out.push('## Setup', '', ...bullets(m.setup.map(([k, v]) => `${k}: ${v}`)), '');
  out.push('## Pre-flight', '', ...bullets(m.preflight), '');
  out.push('## Rows written', '', m.rowsWrittenNote, '', ...bullets(m.rowsWritten), '');
  out.push('## Warnings', '', ...(m.warnings.length ? bullets(m.warnings) : ['none']), '');
  return out.join('\n');
}
