// One real `mkvss-lab compare` of sync and async: 1 s x 1 round on 200 keys, each server warmed
// for at most 3 s. Checks that
// report.json is complete (the contract the renderers and the gate read) and that the rendered
// files exist. Runs the BUILT CLI (npm test builds first). Nothing here asserts speed.
import { existsSync, mkdtempSync, readdirSync, readlinkSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCompareJson } from './support/run-compare-json.js';
import { assertValidReport, REPORT_SCHEMA, REPORT_VERSION, type Report } from '../../harness/schema/report-schema.js';
import { decodeHistogram } from '../../harness/analysis/stats.js';
import { roundVerdict } from '../../harness/analysis/verdict.js';
import { describeDriver } from '../../harness/load/drivers.js';
import { must } from '../../harness/must.js';

const out = mkdtempSync(path.join(tmpdir(), 'mkvss-compare-e2e-'));
let run: { code: number | null; stdout: string; stderr: string };
let report: Report;

beforeAll(async () => {
  ({ report, ...run } = await runCompareJson(
    [
      '--servers',
      'sync,async',
      '-d',
      '1s',
      '--warmup',
      '0.5s',
      '--rounds',
      '1',
      '--steady-cap',
      '3s',
      '--keys',
      '200',
      '--workload',
      'get,crud',
      '--no-driver-ceiling',
      '--json',
      '--label',
      'e2e',
      '--out',
      out,
    ],
    150_000,
  ));
}, 160_000);

afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('compare, end to end (sync vs async)', () => {
  it('exits 0 and prints report.json with --json, no progress lines', () => {
    expect({ code: run.code, stderr: run.stderr }).toEqual({ code: 0, stderr: '' });
    expect(report.schema).toBe(REPORT_SCHEMA);
    expect(report.version).toBe(REPORT_VERSION);
    expect(report.label).toBe('e2e');
    // ...and it matches the one schema (harness/schema/report-schema.ts) in every field.
    expect(() => assertValidReport(report)).not.toThrow();
  });

  it('records the setup it ran with', () => {
    expect(report.setup).toMatchObject({
      servers: ['sync', 'async'],
      workloads: ['get', 'crud'],
      concurrency: [50],
      durationMs: 1000,
      warmupMs: 500,
      rounds: 1,
      keys: 200,
      valueSize: 64,
      pipelining: 1,
      lifecycle: 'fresh',
      steadyWarmup: { sliceMs: 1000, tolerance: 0.1, maxMs: 3000 },
    });
    expect(report.setup.machine.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(report.setup.driver.name).toBe(describeDriver('net').name);
    expect(report.setup.command).toContain('compare --servers sync,async');
  });

  it('passed pre-flight on both servers', () => {
    expect(report.preflight.map((p) => [p.server, p.ok])).toEqual([
      ['sync', true],
      ['async', true],
    ]);
  });

  it('has a cell per (server, workload) with a measured round, a decodable histogram and a rows check', () => {
    expect(report.cells.map((c) => `${c.server}/${c.workload}`).sort()).toEqual(['async/crud', 'async/get', 'sync/crud', 'sync/get']);
    for (const cell of report.cells) {
      expect(cell.rounds).toHaveLength(1);
      const r = must(cell.rounds[0], 'the round'); // one round, checked just above
      expect(r.requests).toBeGreaterThan(0);
      expect(r.expected).toBeLessThanOrEqual(r.requests);
      expect(r.successRate).toBeGreaterThan(0.99);
      expect(r.durationMs).toBeGreaterThanOrEqual(900);
      expect(decodeHistogram(r.histogram).totalCount).toBe(
        r.expected + Object.values(r.failures.unexpectedStatus).reduce((a, b) => a + b, 0),
      );
      expect(r.latency.p50Us).toBeGreaterThan(0);
      expect(r.latency.p99Us).toBeGreaterThanOrEqual(r.latency.p50Us);
      expect(r.serverPeakRssBytes).toBeGreaterThan(0);
      expect(r.serverPeakThreads).toBeGreaterThan(0);
      // The recorded verdict is the one the rules give for the recorded figures, and the cell's
      // is the worst of its rounds (plus the rows check, which held), made suspect when the
      // round's warm-up hit its cap before the server was steady.
      expect({ verdict: r.verdict, reasons: r.verdictReasons }).toEqual(
        roundVerdict({
          requests: r.requests,
          driverCpuPct: r.driverCpuPct,
          driverCpus: report.setup.driver.workers,
          driverLag: r.driverLag,
        }),
      );
      const notSteady = r.warmup !== undefined && !r.warmup.steady;
      expect(cell.notSteadyRounds ?? []).toEqual(notSteady ? [r.round] : []);
      expect(cell.verdict).toBe(notSteady && r.verdict === 'ok' ? 'suspect' : r.verdict);
      expect(r.driverLag.loopDelayMaxUs).toBeGreaterThanOrEqual(r.driverLag.loopDelayP99Us);
      expect(cell.summary.throughput.median).toBe(r.throughput);
      expect(cell.rowsCheck?.ok).toBe(true);
      // Warmed before it was measured: at least one slice, within the cap (plus one slice's overrun).
      expect(r.warmup?.cpuPerRequestUs.length).toBeGreaterThan(0);
      expect(r.warmup!.steady || r.warmup!.elapsedMs >= 3000).toBe(true);
      if (cell.workload === 'crud') expect(r.writesAcknowledged).toBeGreaterThan(0);
      if (cell.workload === 'get') expect(cell.rowsCheck).toMatchObject({ expectedRows: 200, actualRows: 200 });
    }
  });

  it('compares async with sync on every workload', () => {
    expect(report.comparisons.map((c) => `${c.candidate} vs ${c.baseline} ${c.workload}`).sort()).toEqual([
      'async vs sync crud',
      'async vs sync get',
    ]);
    for (const c of report.comparisons) {
      expect(c.factors.map((f) => f.metric)).toEqual(expect.arrayContaining(['throughput', 'meanUs', 'p99Us', 'successRate']));
      for (const f of c.factors) expect(f.wording.length).toBeGreaterThan(0);
    }
  });

  it('wrote report.json, report.md, report.html and the charts, and pointed latest at them', () => {
    const dirs = readdirSync(out).filter((d) => d.endsWith('-e2e'));
    expect(dirs).toHaveLength(1);
    const dir = path.join(out, must(dirs[0], 'the run directory'));
    const files = readdirSync(dir);
    for (const f of ['report.json', 'report.md', 'report.html']) expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.png')).length).toBeGreaterThan(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'))).toEqual(report);
    expect(readlinkSync(path.join(out, 'latest'))).toBe(dirs[0]);
    expect(existsSync(path.join(out, 'latest', 'report.md'))).toBe(true);
  });
});
