// One real `mkvss-lab compare` of async on `crud` in the open loop, at an offered rate far past
// what it sustains (200,000 req/s on 2 connections, pipelining 4, for 1 s): issue 13's "done when".
// Past the limit the queue grows without bound, so most requests due in the window time out and
// the rest are answered late; the point is that the accounting survives it: the rows check holds
// (every acknowledged write is in the database, give or take the writes in doubt), no response is
// checked against another request's expectation (no unexpected statuses), and every request due
// in the window is counted (a timeout with its age as its latency, a late answer as an answer),
// never dropped. Runs the BUILT CLI (npm test builds first). Nothing here asserts speed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompareJson } from './support/run-compare-json.js';
import { assertValidReport, type Report } from '../../harness/schema/report-schema.js';
import { decodeHistogram } from '../../harness/analysis/stats.js';
import { must } from '../../harness/must.js';

const RATE = 200_000;
const out = mkdtempSync(path.join(tmpdir(), 'mkvss-compare-open-loop-'));
let run: { code: number | null; stdout: string; stderr: string };
let report: Report;

beforeAll(async () => {
  // --warmup 0: no lead-in load, so the window's first requests meet an empty queue and some
  // are answered (with a lead-in at this rate, every request due in the window waits behind it).
  ({ report, ...run } = await runCompareJson(
    [
      '--servers',
      'async',
      '--workload',
      'crud',
      '--rate',
      String(RATE),
      '-c',
      '2',
      '--pipelining',
      '4',
      '-d',
      '1s',
      '--warmup',
      '0',
      '--rounds',
      '1',
      '--steady-cap',
      '2s',
      '--no-driver-ceiling',
      '--json',
      '--out',
      out,
    ],
    90_000,
  ));
}, 100_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe("compare --rate far past async's limit, crud, end to end", () => {
  it('exits 0 with a valid report of one open-loop cell', () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(() => assertValidReport(report)).not.toThrow();
    expect(report.setup).toMatchObject({
      servers: ['async'],
      workloads: ['crud'],
      concurrency: [2],
      pipelining: 4,
      rate: RATE,
      rounds: 1,
      durationMs: 1000,
    });
    expect(report.cells.map((c) => `${c.server}/${c.workload}`)).toEqual(['async/crud']);
  });

  it('leaves the rows check ok, with no unexpected statuses and no other failures', () => {
    const cell = must(report.cells[0], 'the cell');
    const r = must(cell.rounds[0], 'the round');
    expect(cell.rowsCheck?.ok).toBe(true);
    expect(r.failures.unexpectedStatus).toEqual({});
    expect(r.failures.other).toEqual({});
    expect(r.failures.connectionErrors).toBe(0);
    expect(cell.verdictReasons.join('; ')).not.toMatch(/rows written/);
    // Writes were acknowledged, so the rows check had something to check.
    expect(r.writesAcknowledged).toBeGreaterThan(0);
  });

  it('counts every request due in the window: timeouts with their age, late answers as answers', () => {
    const cell = must(report.cells[0], 'the cell');
    const r = must(cell.rounds[0], 'the round');
    // Request i is due at i / rate: 200,000 due in the 1 s window, each answered or timed out.
    expect(r.requests).toBeGreaterThanOrEqual(RATE - 1);
    expect(r.requests).toBeLessThanOrEqual(RATE);
    expect(r.requests).toBe(r.expected + r.failures.timeouts);
    expect(r.expected).toBeGreaterThan(0);
    expect(r.failures.timeouts).toBeGreaterThan(0);
    // Every one of them has a latency: the answers', and each timeout's age when it was given up.
    expect(decodeHistogram(r.histogram).totalCount).toBe(r.requests);
    // Some answers came after the window's end (in the grace period): they count as answers (the
    // success rate) but not toward the achieved rate, which is what the server answered in the window.
    const answeredInWindow = must(r.achievedRate, 'the achieved rate') * (r.durationMs / 1000);
    expect(r.expected).toBeGreaterThan(answeredInWindow + 1);
    // ...and the missed target is in the verdict.
    expect(cell.verdict).toBe('suspect');
    expect(cell.verdictReasons.join('; ')).toMatch(/below the 200000 req\/s target by over 5%/);
  });
});
