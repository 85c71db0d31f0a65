import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaselineError, readBaseline } from '../../harness/gate/baseline.js';
import { buildBaseline } from '../../harness/gate/decision.js';
import { extractMetrics } from '../../harness/gate/metrics.js';
import { steady, syntheticReport } from './synthetic-report.js';

async function tempFile(name: string, content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gate-baseline-'));
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

describe('reading the gate baseline', () => {
  it('round-trips a baseline built from a run, machine fingerprint included', async () => {
    const report = syntheticReport({ get: { floor: steady(40_000, 1000), sync: steady(10_000, 4000, [1, 1.1, 0.9]), async: steady(20_000, 2000) } });
    const baseline = buildBaseline({ metrics: extractMetrics(report), reports: [report] }, { workloads: ['get'], concurrency: 32, durationMs: 2000, warmupMs: 500 }, '2026-01-01T00:00:00Z');
    const file = await tempFile('baseline.json', JSON.stringify(baseline));
    const read = await readBaseline(file);
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
    ['no metrics', JSON.stringify({ schema: 'mkvss-lab/gate-baseline', version: 1, machine: { fingerprint: 'x' }, settings: { workloads: ['get'], concurrency: 1, durationMs: 1 }, metrics: [] }), /no metrics/],
    ['a zero median', JSON.stringify({ schema: 'mkvss-lab/gate-baseline', version: 1, machine: { fingerprint: 'x' }, settings: { workloads: ['get'], concurrency: 1, durationMs: 1 }, metrics: [{ id: 'm', subject: 'sync', measure: 'throughput', median: 0, band: 0, values: [] }] }), /"m" has no positive median/],
  ])('rejects %s with a clear line', async (_what, content, message) => {
    const file = await tempFile('baseline.json', content);
    const err = await readBaseline(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BaselineError);
    expect((err as Error).message).toMatch(message);
  });
});
