// reports/baseline.json: a blessed commit, the settings every run must use, and figures for people.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BaselineError, readBaseline, settingsDifferences } from '../../harness/gate/baseline.js';
import { buildBaseline } from '../../harness/gate/baseline.js';
import { extractMetrics } from '../../harness/gate/metrics.js';
import { steady, syntheticReport } from './synthetic-report.js';

const COMMIT = 'c38a6f8'.padEnd(40, '0');
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gate-baseline-'));
  dirs.push(dir);
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

const SETTINGS = { workloads: ['get' as const], concurrency: 32, durationMs: 2000, warmupMs: 500 };
const header = {
  schema: 'mkvss-lab/gate-baseline',
  version: 2,
  commit: COMMIT,
  machine: { fingerprint: 'x' },
  settings: { workloads: ['get'], concurrency: 1, durationMs: 1 },
};
const metric = { id: 'm', subject: 'sync', measure: 'throughput', median: 1, band: 0, values: [1, 1, 1] };

describe('reading the gate baseline', () => {
  it('round-trips a baseline built from a run: blessed commit, machine fingerprint, figures', async () => {
    const report = syntheticReport({
      get: { floor: steady(40_000, 1000), sync: steady(10_000, 4000, [1, 1.1, 0.9]), async: steady(20_000, 2000) },
    });
    const baseline = {
      ...buildBaseline({ metrics: extractMetrics(report), reports: [report] }, SETTINGS, '2026-01-01T00:00:00Z'),
      commit: COMMIT,
    };
    const file = await tempFile('baseline.json', JSON.stringify(baseline));
    const read = await readBaseline(file);
    expect(read.commit).toBe(COMMIT);
    expect(read.machine.fingerprint).toBe('aaaa1111');
    expect(read.metrics.find((m) => m.id === 'get c32 sync req/s ÷ floor')!.median).toBeCloseTo(0.25, 6);
    expect(read.metrics.find((m) => m.id === 'get c32 sync req/s ÷ floor')!.band).toBeCloseTo(0.2, 6);
  });

  it('a missing file says how to create one', async () => {
    const err = await readBaseline('/nonexistent/dir/baseline.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BaselineError);
    expect((err as Error).message).toMatch(/no gate baseline at \/nonexistent\/dir\/baseline\.json.*--update-baseline/);
  });

  it.each([
    ['broken JSON', '{"schema": ', /not valid JSON.*--update-baseline/],
    ['another file kind', JSON.stringify({ schema: 'mkvss-lab/report', version: 1 }), /schema is "mkvss-lab\/report".*--update-baseline/],
    [
      'a version-1 file (figures, no blessed commit)',
      JSON.stringify({ ...header, version: 1, metrics: [metric] }),
      /version 1 names no blessed commit.*--update-baseline/,
    ],
    ['no blessed commit', JSON.stringify({ ...header, commit: 'main', metrics: [metric] }), /no blessed commit/],
    ['no metrics', JSON.stringify({ ...header, metrics: [] }), /no metrics/],
    ['a zero median', JSON.stringify({ ...header, metrics: [{ ...metric, median: 0 }] }), /"m" has no positive median/],
    [
      'fewer than 3 rounds',
      JSON.stringify({ ...header, metrics: [{ ...metric, values: [1, 1] }] }),
      /"m" has 2 round\(s\); a baseline needs at least 3/,
    ],
  ])('rejects %s with a clear line', async (_what, content, message) => {
    const file = await tempFile('baseline.json', content);
    const err = await readBaseline(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BaselineError);
    expect((err as Error).message).toMatch(message);
  });
});

describe('a run must use the baseline settings', () => {
  const then = {
    workloads: ['get' as const, 'mixed' as const],
    concurrency: 8,
    durationMs: 1000,
    warmupMs: 250,
    settleMs: 15_000,
    probeRate: 2000,
    probeWorkload: 'mixed' as const,
  };
  it('finds no difference in the same settings (workloads in any order)', () => {
    expect(settingsDifferences(then, { ...then, workloads: ['mixed', 'get'] })).toEqual([]);
  });
  it('names each setting that differs, as the option to drop', () => {
    expect(settingsDifferences(then, { ...then, concurrency: 16, workloads: ['put'] })).toEqual([
      '--workloads put (baseline: get,mixed)',
      '--concurrency 16 (baseline: 8)',
    ]);
    expect(settingsDifferences(then, { ...then, durationMs: 2000, warmupMs: 0, settleMs: 0, probeRate: 0 })).toEqual([
      '--duration 2000ms (baseline: 1000ms)',
      '--warmup 0ms (baseline: 250ms)',
      '--settle 0ms (baseline: 15000ms)',
      '--probe-rate 0 (baseline: 2000)',
    ]);
  });
  it('tells a per-round baseline from a kept one, and reads a file without the field as kept (its only mode then)', () => {
    const perRound = { ...then, processes: 'per-round' as const };
    expect(settingsDifferences(perRound, { ...perRound, processes: 'kept' })).toEqual(['--processes kept (baseline: per-round)']);
    expect(settingsDifferences(then, perRound)).toEqual(['--processes per-round (baseline: kept)']);
    expect(settingsDifferences(then, { ...then, processes: 'kept' })).toEqual([]);
  });
});
