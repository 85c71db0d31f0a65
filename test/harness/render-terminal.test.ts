import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../harness/schema/report-schema.js';
import { renderTerminal } from '../../harness/report/render.js';
import { TERMINAL_WIDTH } from '../../harness/report/terminal.js';
import { buildModel } from '../../harness/report/model.js';
import { must } from '../../harness/must.js';

const load = (name: string): Report => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Report;

describe('renderTerminal', () => {
  for (const name of ['report-basic.json', 'report-sweep.json']) {
    it(`${name}: every figure and wording of the Markdown tables appears on its row's line, within 100 columns`, () => {
      const report = load(name);
      const text = renderTerminal(report);
      const lines = text.split('\n');
      for (const l of lines) expect([...l].length, l).toBeLessThanOrEqual(TERMINAL_WIDTH);
      for (const table of buildModel(report).tables) {
        const start = lines.indexOf(`== ${table.title} ==`);
        expect(start).toBeGreaterThanOrEqual(0);
        const section = lines.slice(start + 1, lines.findIndex((l, i) => i > start && l.startsWith('== ')) >>> 0);
        for (const row of table.rows) {
          // A table too wide for the terminal continues in a second block: the row's label starts a line in each.
          const rowLines = section.filter((l) => l.startsWith(row[0] + ' ') || l === row[0]);
          expect(rowLines.length, row[0]).toBeGreaterThan(0);
          for (const cell of row.slice(1))
            if (cell)
              expect(
                rowLines.some((l) => l.includes(cell)),
                `${row[0]}: ${cell}`,
              ).toBe(true);
        }
        for (const w of table.warnings) expect(text.replace(/\n +/g, ' ')).toContain(w);
      }
    });
  }

  it('marks a server that is not ok once, in its column header', () => {
    const text = renderTerminal(load('report-basic.json'));
    const get = text.slice(text.indexOf('== get'), text.indexOf('== put'));
    expect(get.split('\n')[1]).toMatch(/ async ⚠$/);
    expect(get.match(/⚠/g)).toHaveLength(2); // the header mark and its footnote
  });

  it('aligns the figure columns on the right', () => {
    const lines = renderTerminal(load('report-basic.json')).split('\n');
    const start = lines.indexOf('== put, 64 connections ==');
    const header = must(lines[start + 1], 'the table header under the title');
    const body = lines.slice(start + 3, start + 3 + 13);
    // Each figure column ends at the same character position as its header ("sync", "async").
    for (const name of [' sync', ' async']) {
      const end = header.indexOf(name) + name.length;
      for (const l of body) {
        expect(l[end - 1]).toMatch(/\S/);
        expect(l[end] ?? ' ').toBe(' ');
      }
    }
  });

  it('lists setup, pre-flight, rows written and warnings', () => {
    const text = renderTerminal(load('report-sweep.json'));
    expect(text).toMatch(/Pinning: +not pinned/);
    expect(text).toContain('async: MISMATCH (24 steps)');
    expect(text).toContain('MISMATCH (-3 rows)');
    expect(text).toContain('  - async mixed 256: driver-bound');
    expect(text).toContain('  - sync, mixed, 256 connections: 72,397 rows, expected 72,400 (3 rounds x 10,000 preloaded +');
  });
});
