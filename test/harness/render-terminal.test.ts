import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../harness/schema/report-schema.js';
import { renderTerminal } from '../../harness/report/render.js';
import { buildModel } from '../../harness/report/model.js';

const load = (name: string): Report => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Report;

describe('renderTerminal', () => {
  for (const name of ['report-basic.json', 'report-sweep.json']) {
    it(`${name}: every figure and wording of the Markdown tables appears, in the same row`, () => {
      const report = load(name);
      const text = renderTerminal(report);
      const lines = text.split('\n');
      for (const table of buildModel(report).tables) {
        const start = lines.indexOf(`== ${table.title} ==`);
        expect(start).toBeGreaterThanOrEqual(0);
        for (const row of table.rows) {
          const line = lines.slice(start).find((l) => l.startsWith(row[0]! + ' '));
          expect(line, row[0]).toBeDefined();
          for (const cell of row.slice(1)) expect(line).toContain(cell);
        }
        for (const w of table.warnings) expect(text).toContain(w);
      }
    });
  }

  it('aligns the figure columns on the right', () => {
    const lines = renderTerminal(load('report-basic.json')).split('\n');
    const start = lines.indexOf('== put, 64 connections ==');
    const header = lines[start + 1]!;
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
  });
});
