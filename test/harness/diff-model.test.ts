// The diff of two runs on synthetic v2 reports: which cells are compared, the words NEW vs OLD gets
// under the unpaired interval, settings that differ, and the two renderings of the same model.
import { describe, expect, it } from 'vitest';
import { buildDiffModel, type DiffModel, type DiffTable } from '../../harness/report/diff-model.js';
import { renderDiffMarkdown, renderDiffTerminal } from '../../harness/report/diff-render.js';
import { assertValidReport, type Report } from '../../harness/schema/report-schema.js';
import { steady, syntheticReport, type RoundFigures } from '../gate/synthetic-report.js';
import { must } from '../../harness/must.js';

const WOBBLE = [1, 1.04, 0.97, 1.02, 0.98];

function diff(oldReport: Report, newReport: Report): DiffModel {
  assertValidReport(oldReport);
  assertValidReport(newReport);
  return buildDiffModel({ source: 'old', report: oldReport }, { source: 'new', report: newReport });
}

const throughputRow = (t: DiffTable) => t.rows.find((r) => r[0] === 'Throughput (req/s)')!;
const table = (m: DiffModel, server: string) => m.tables.find((t) => t.server === server)!;
const scaled = (figures: RoundFigures[], by: number) => figures.map((f) => ({ ...f, throughput: f.throughput * by, p99Us: f.p99Us / by }));

describe('diff of two runs', () => {
  it('identical runs: every throughput row (and every factor) is a tie', () => {
    const report = syntheticReport({
      get: { sync: steady(10_000, 3000, WOBBLE), async: steady(20_000, 1500, WOBBLE) },
      put: { sync: steady(5000, 6000, WOBBLE), async: steady(9000, 4000, WOBBLE) },
    });
    const m = diff(report, structuredClone(report));
    expect(m.tables).toHaveLength(4);
    for (const t of m.tables) {
      expect(throughputRow(t)[3]).toMatch(/^tie \(/);
      for (const f of t.factors) expect(f.call, `${t.title} ${f.metric}`).toBe('none');
    }
    expect(m.settingsWarnings).toEqual([]);
    expect(m.onlyInOld).toEqual([]);
    expect(m.onlyInNew).toEqual([]);
  });

  it('throughput x0.7 in every round on one server: a loss there, a tie on the other', () => {
    const sync = steady(10_000, 3000, WOBBLE);
    const async = steady(20_000, 1500, WOBBLE);
    const m = diff(syntheticReport({ get: { sync, async } }), syntheticReport({ get: { sync, async: scaled(async, 0.7) } }));
    const slow = table(m, 'async');
    expect(throughputRow(slow)[3]).toMatch(/^1\.43x lower \(/);
    expect(slow.factors.find((f) => f.metric === 'throughput')).toMatchObject({ call: 'lower', method: 'welch-t-95', rounds: 5 });
    expect(slow.rows.find((r) => r[0] === 'P99 latency')![3]).toMatch(/^1\.43x slower/);
    expect(throughputRow(table(m, 'sync'))[3]).toMatch(/^tie/);
  });

  it('a faster NEW run reads "higher" and "faster"', () => {
    const async = steady(20_000, 1500, WOBBLE);
    const m = diff(syntheticReport({ get: { async } }), syntheticReport({ get: { async: scaled(async, 1.5) } }));
    expect(throughputRow(must(m.tables[0], 'the table'))[3]).toMatch(/^1\.50x higher/);
    expect(m.tables[0]?.rows.find((r) => r[0] === 'P99 latency')?.[3]).toMatch(/^1\.50x faster/);
  });

  it('shows OLD and NEW figures in the same shape as compare (median and spread), resource rows without a factor', () => {
    const r = syntheticReport({ get: { async: steady(20_000, 1500) } });
    must(r.cells[0], 'the cell').summary.throughput = { median: 20_000, min: 19_500, max: 20_400 };
    const m = diff(r, structuredClone(r));
    const t = must(m.tables[0], 'the table');
    expect(t.header).toEqual(['', 'OLD', 'NEW', 'NEW vs OLD']);
    expect(t.rows.map((row) => row[0])).toEqual([
      'Throughput (req/s)',
      'Avg latency',
      'P50 latency',
      'P90 latency',
      'P99 latency',
      'P99.9 latency',
      'P99.99 latency',
      'Max latency',
      'Success rate',
      'Server CPU (% of one core)',
      'Server RSS (peak)',
      'Server threads (peak)',
      'Driver CPU (% of one core)',
    ]);
    expect(throughputRow(t).slice(1, 3)).toEqual(['20,000 (19,500-20,400)', '20,000 (19,500-20,400)']);
    expect(t.rows.find((row) => row[0] === 'Server RSS (peak)')![3]).toBe('');
  });

  it('a server CPU figure that was not sampled (null in report.json) reads "-"', () => {
    const r = syntheticReport({ get: { async: steady(20_000, 1500) } });
    const parsed = JSON.parse(JSON.stringify(r)) as Report;
    must(parsed.cells[0], 'the cell').summary.serverCpuPct = {
      median: null,
      min: null,
      max: null,
    } as unknown as Report['cells'][0]['summary']['serverCpuPct'];
    const t = must(diff(parsed, r).tables[0], 'the table');
    expect(t.rows.find((row) => row[0] === 'Server CPU (% of one core)')![1]).toBe('-');
  });

  it('fewer than 3 rounds: a range of N rounds and no call, even for a large difference', () => {
    const m = diff(
      syntheticReport({ get: { async: steady(20_000, 1500, [1, 1.02]) } }),
      syntheticReport({ get: { async: steady(10_000, 3000, [1, 1.02]) } }),
    );
    expect(throughputRow(must(m.tables[0], 'the table'))[3]).toMatch(/^2\.00x lower, not tested \(range of 2 rounds: /);
    expect(m.tables[0]?.factors.every((f) => f.call === 'none')).toBe(true);
  });

  it('lists cells measured in only one run, and compares the rest', () => {
    const oldRun = syntheticReport({ get: { sync: steady(10_000, 3000, WOBBLE), async: steady(20_000, 1500, WOBBLE) } });
    const newRun = syntheticReport({ get: { async: steady(20_000, 1500, WOBBLE), reference: steady(15_000, 2000, WOBBLE) } });
    const m = diff(oldRun, newRun);
    expect(m.tables.map((t) => t.server)).toEqual(['async']);
    expect(m.onlyInOld).toEqual(['sync, get, 32 connections']);
    expect(m.onlyInNew).toEqual(['reference, get, 32 connections']);
    expect(renderDiffTerminal(m)).toMatch(/Only in OLD:\n {2}- sync, get, 32 connections/);
    expect(renderDiffMarkdown(m)).toMatch(/## Only in NEW\n\n- reference, get, 32 connections/);
  });

  it('warns about settings that differ (machine, rounds, durations, keys, rate...) and still compares', () => {
    const oldRun = syntheticReport({ get: { async: steady(20_000, 1500, WOBBLE) } });
    const newRun = syntheticReport({ get: { async: steady(20_000, 1500, WOBBLE) } }, { fingerprint: 'bbbb2222' });
    newRun.setup.durationMs = 10_000;
    newRun.setup.keys = 50_000;
    newRun.setup.rate = 5000;
    newRun.setup.driver = { ...newRun.setup.driver, pinned: true, driverCpus: '0', serverCpus: '1' };
    const m = diff(oldRun, newRun);
    const names = m.settingsWarnings.map((w) => w.split(' differs')[0]);
    expect(names).toEqual(['machine fingerprint', 'pinning', 'measured window', 'keys', 'load']);
    expect(m.settingsWarnings[0]).toMatch(/^machine fingerprint differs: OLD aaaa1111 .*; NEW bbbb2222 /);
    expect(m.settingsWarnings).toContain('measured window differs: OLD 2 s; NEW 10 s');
    expect(m.tables).toHaveLength(1);
    const text = renderDiffTerminal(m);
    // The warning comes before the first table.
    expect(text.indexOf('not like-for-like')).toBeLessThan(text.indexOf('== async'));
  });

  it('carries a verdict that is not ok next to every figure of that side, with the reasons', () => {
    const oldRun = syntheticReport({ get: { async: steady(20_000, 1500, WOBBLE) } });
    const newRun = structuredClone(oldRun);
    const cell = must(newRun.cells[0], 'the cell');
    cell.verdict = 'driver-bound';
    cell.verdictReasons = ['driver CPU 98%'];
    const t = must(diff(oldRun, newRun).tables[0], 'the table');
    expect(throughputRow(t)[2]).toMatch(/⚠ driver-bound$/);
    expect(throughputRow(t)[1]).not.toMatch(/⚠/);
    expect(t.warnings).toEqual(['NEW: driver-bound: driver CPU 98%']);
  });

  it('renders the same table as terminal columns and as Markdown', () => {
    const async = steady(20_000, 1500, WOBBLE);
    const m = diff(syntheticReport({ get: { async } }), syntheticReport({ get: { async: scaled(async, 0.7) } }));
    const text = renderDiffTerminal(m);
    expect(text).toMatch(
      /^mkvss-lab diff: NEW vs OLD\nOLD: old, run started .*\nNEW: new, run started .*\n\nTwo runs at different times: /,
    );
    expect(text).toMatch(/== async, get, 32 connections ==\n +OLD +NEW +NEW vs OLD\n/);
    // (synthetic summaries are 0: the figures columns are not what this checks)
    expect(text).toMatch(/Throughput \(req\/s\) +0 +0 +1\.43x lower \(/);
    const md = renderDiffMarkdown(m);
    expect(md).toContain('|  | OLD | NEW | NEW vs OLD |');
    expect(md).toContain('|:---|---:|---:|:---|');
    expect(md).toMatch(/\| Throughput \(req\/s\) \| .* \| 1\.43x lower \(/);
  });
});
