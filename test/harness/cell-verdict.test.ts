// A cell's verdict from its rounds (summarizeCell): the worst round, then the two cell-level
// checks, exactly as README, docs/HARNESS.md ("Verdicts") and `compare --help` describe them:
// a failed rows check makes any cell suspect; a round measured "not steady" makes an ok cell
// suspect and leaves a driver-bound (or suspect) one as it was, its reason listed either way.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report, Round, Verdict } from '../../harness/schema/report-schema.js';
import { summarizeCell } from '../../harness/run/cell-figures.js';
import { must } from '../../harness/must.js';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/report-basic.json', import.meta.url), 'utf8')) as Report;
const base = must(must(fixture.cells[0], 'the first cell').rounds[0], 'its first round');

const round = (n: number, verdict: Verdict, steady: boolean | 'off'): Round => ({
  ...structuredClone(base),
  round: n,
  order: n,
  verdict,
  verdictReasons: verdict === 'ok' ? [] : [`${verdict} in round ${n}`],
  warmup: { elapsedMs: steady === true ? 4000 : 12_000, steady: steady === true, cpuPerRequestUs: steady === 'off' ? [] : [300, 200, 150] },
});

const cellOf = (rounds: Round[], rows?: { ok: boolean }) =>
  summarizeCell(
    'sync',
    'get',
    50,
    rounds.map((r) => ({ round: r, ...(rows ? { rows: { expectedRows: 100, actualRows: rows.ok ? 100 : 99, ok: rows.ok } } : {}) })),
  );

describe("a cell's verdict", () => {
  it("is the worst of its rounds, with every round's reasons", () => {
    const cell = cellOf([round(1, 'ok', true), round(2, 'driver-bound', true), round(3, 'ok', true)]);
    expect(cell.verdict).toBe('driver-bound');
    expect(cell.verdictReasons).toEqual(['driver-bound in round 2']);
    expect(cellOf([round(1, 'driver-bound', true), round(2, 'suspect', true)]).verdict).toBe('suspect');
  });

  it('not steady: an ok cell becomes suspect, a driver-bound one stays driver-bound, the reason listed either way', () => {
    const ok = cellOf([round(1, 'ok', true), round(2, 'ok', false)]);
    expect(ok.verdict).toBe('suspect');
    expect(ok.notSteadyRounds).toEqual([2]);
    expect(ok.verdictReasons.join('; ')).toMatch(/^not steady: round 2 hit the warm-up cap/);

    const bound = cellOf([round(1, 'driver-bound', false), round(2, 'ok', true)]);
    expect(bound.verdict).toBe('driver-bound');
    expect(bound.notSteadyRounds).toEqual([1]);
    expect(bound.verdictReasons).toEqual(['driver-bound in round 1', expect.stringMatching(/^not steady: round 1 /)]);

    expect(cellOf([round(1, 'suspect', false)]).verdict).toBe('suspect');
  });

  it('a warm-up turned off (no slices) is not "not steady"', () => {
    const cell = cellOf([round(1, 'ok', 'off')]);
    expect(cell.verdict).toBe('ok');
    expect(cell.notSteadyRounds).toBeUndefined();
  });

  it('a failed rows check makes the cell suspect whatever its rounds said', () => {
    const cell = cellOf([round(1, 'driver-bound', true)], { ok: false });
    expect(cell.verdict).toBe('suspect');
    expect(cell.verdictReasons.join('; ')).toMatch(
      /rows written do not match acknowledged writes \(expected 100, found 99, summed over rounds\)/,
    );
    expect(cellOf([round(1, 'ok', true)], { ok: true }).verdict).toBe('ok');
  });
});
