// The knee section of a report (compare --knee) as text: each server's knee with its search
// steps, and the two tables (own-knee fractions, equal absolute rates), for the terminal and
// Markdown renderers. Both print the same rows built here.
import type { Knee, KneeRow } from '../schema/report-schema.js';
import { formatMs, formatPercent, formatRate, formatSpread, formatSuccessRate, thousands } from './format.js';
import { alignedTable, markdownTable } from './table.js';

export interface KneeTextTable {
  title: string;
  header: string[];
  rows: string[][];
  caption: string;
}

const rate = (r: number) => (Number.isFinite(r) ? thousands(r) : '-');

/** One line per server: its knee, the p99 there, and the bracket the search ended on. */
export function kneeLines(k: Knee): string[] {
  return k.servers.map((s) => {
    if (!Number.isFinite(s.kneeRate))
      return `${s.server}: no knee found (its first step, ${rate(k.rule.startRate)} req/s, did not keep up)`;
    const bracket = Number.isFinite(s.firstBadRate) ? `; ${rate(s.firstBadRate)} req/s did not keep up` : '';
    return `${s.server}: knee ${s.capped ? 'at least ' : ''}${rate(s.kneeRate)} req/s, p99 there ${formatMs(s.kneeP99Us)}${bracket} (${s.steps.length} steps)`;
  });
}

/** The search, step by step: what each offered rate gave. */
export function stepsTable(k: Knee): KneeTextTable {
  const rows = k.servers.flatMap((s) =>
    s.steps.map((st) => [
      s.server,
      st.retry ? `${st.phase} (again)` : st.phase,
      rate(st.offered),
      rate(st.achieved),
      formatMs(st.p50Us),
      formatMs(st.p99Us),
      formatSuccessRate(st.successRate),
      st.ok ? 'keeps up' : `no: ${st.reasons.join('; ')}`,
    ]),
  );
  return {
    title: 'Knee search',
    header: ['server', 'step', 'offered', 'achieved', 'p50', 'p99', 'success', 'verdict'],
    rows,
    caption: `One ${k.stepMs / 1000} s step per rate after a ${k.leadInMs / 1000} s lead-in, latency from the intended send time; keeps up = achieved >= ${formatPercent(k.rule.minAchievedFraction)} of offered, p99 <= ${formatMs(k.rule.p99BoundUs)}, no errors. Growth x${k.rule.growth}, then ${k.rule.refineSteps} bisections${k.rule.retries > 0 ? `; a step that does not keep up is measured again${k.rule.retries > 1 ? ` up to ${k.rule.retries} times` : ' once'} ("again") and passes if a repeat keeps up` : ''}.`,
  };
}

function rowCells(r: KneeRow, withFactor: boolean): string[] {
  const cells = [
    r.server,
    formatPercent(r.fraction),
    thousands(r.offered),
    formatSpread(r.achieved, formatRate),
    formatSpread(r.p50Us, formatMs),
    formatSpread(r.p99Us, formatMs),
    formatSpread(r.p999Us, formatMs),
    formatSpread(r.successRate, formatSuccessRate),
  ];
  if (withFactor) cells.push(r.p99VsBaseline ?? '');
  return cells;
}

const ROW_HEADER = ['server', 'of knee', 'offered', 'achieved (req/s)', 'p50', 'p99', 'p99.9', 'success'];

/** The two tables: own-knee fractions and equal absolute rates. */
export function kneeTables(k: Knee): KneeTextTable[] {
  const sorted = (rows: KneeRow[]) => [...rows].sort((a, b) => a.fraction - b.fraction || a.server.localeCompare(b.server));
  const caption = `Median of ${k.rounds} round${k.rounds === 1 ? '' : 's'}, min-max in brackets; ${k.workload}, ${k.concurrency} connections, open loop. Percentiles: each round's own (from its histogram), then the median over the rounds.`;
  return [
    {
      title: "At fractions of each server's own knee",
      header: ROW_HEADER,
      rows: sorted(k.ownKnee).map((r) => rowCells(r, false)),
      caption,
    },
    {
      title: 'At the same offered rates (fractions of the smallest knee)',
      header: [...ROW_HEADER.slice(0, 1), 'of smallest knee', ...ROW_HEADER.slice(2), 'p99 factor'],
      rows: sorted(k.equalRate).map((r) => rowCells(r, true)),
      caption: `${caption} The p99 factor pairs each round with the first server's at the same rate (95% paired t-interval from 3 rounds).`,
    },
  ];
}

const figures = (i: number) => i >= 2 && i <= 7;

export function kneeTerminal(k: Knee): string[] {
  const out = ['== Knee (open loop) ==', ...kneeLines(k).map((l) => `  ${l}`), ''];
  for (const t of [stepsTable(k), ...kneeTables(k)])
    out.push(`== ${t.title} ==`, ...alignedTable(t.header, t.rows, figures), t.caption, '');
  return out;
}

export function kneeMarkdown(k: Knee): string[] {
  const out = ['## Knee (open loop)', '', ...kneeLines(k).map((l) => `- ${l}`), ''];
  for (const t of [...kneeTables(k), stepsTable(k)])
    out.push(`## ${t.title}`, '', ...markdownTable(t.header, t.rows, figures), '', t.caption, '');
  return out;
}

/** The same section for report.html; `table` is html.ts's own table writer, so the look matches. */
export function kneeHtmlParts(
  k: Knee,
  escapeText: (s: string) => string,
  table: (t: { header: string[]; rows: string[][]; figureColumns: number; notOk: boolean[] }) => string,
): string[] {
  const out = [
    '<h2>Knee (open loop)</h2>',
    `<ul>${kneeLines(k)
      .map((l) => `<li>${escapeText(l)}</li>`)
      .join('')}</ul>`,
  ];
  for (const t of [...kneeTables(k), stepsTable(k)]) {
    out.push(
      `<h2>${escapeText(t.title)}</h2>`,
      table({ header: t.header, rows: t.rows, figureColumns: 8, notOk: [] }),
      `<p class="caption">${escapeText(t.caption)}</p>`,
    );
  }
  return out;
}
