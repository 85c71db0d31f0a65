// report.json has one definition (harness/schema/report-schema.ts, TypeBox): the committed JSON
// Schema file is generated from it, and every reader validates with it.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assertValidReport, parseReport, REPORT_VERSION, reportJsonSchemaText, type Report } from '../../harness/schema/report-schema.js';
import { renderMarkdown } from '../../harness/report/render.js';
import { must } from '../../harness/must.js';

const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');
const basic = () => JSON.parse(read('../fixtures/report-basic.json')) as Report;

/** The validator's message, in one line. */
function rejection(value: unknown): string {
  try {
    assertValidReport(value, 'report.json');
  } catch (err) {
    return (err as Error).message;
  }
  return 'accepted';
}

describe('report.json schema', () => {
  it('the committed report.schema.json is the one the definition generates (run `npm run schema`)', () => {
    expect(read('../../harness/schema/report.schema.json')).toBe(reportJsonSchemaText());
  });

  it('accepts the fixtures and a report whose unmeasured figures were written as null (NaN)', () => {
    expect(parseReport(read('../fixtures/report-basic.json')).version).toBe(REPORT_VERSION);
    expect(parseReport(read('../fixtures/report-sweep.json')).cells.length).toBeGreaterThan(0);
    const r = basic();
    const comparison = must(r.comparisons[0], 'the first comparison');
    const withNaN = JSON.parse(
      JSON.stringify({
        ...r,
        comparisons: [
          {
            ...comparison,
            factors: [{ ...must(comparison.factors[0], 'the first factor'), factor: Number.NaN, low: Number.NaN, high: Number.NaN }],
          },
        ],
      }),
    );
    expect(rejection(withNaN)).toBe('accepted');
  });

  it('rejects an older version with one line that says what to do', () => {
    const msg = rejection({ ...basic(), version: 1 });
    expect(msg).toBe(
      `report.json is mkvss-lab/report version 1; this build reads version ${REPORT_VERSION} only (re-run compare to get one)`,
    );
  });

  it('rejects a bad nested field with its path, in one line', () => {
    const r = basic();
    delete (must(r.cells[0], 'the first cell').rounds[0] as Partial<Report['cells'][0]['rounds'][0]>).driverLag;
    const missing = rejection(r);
    expect(missing).toMatch(/^report\.json does not match the mkvss-lab\/report v2 schema: \/cells\/0\/rounds\/0\/driverLag: /);
    expect(missing).not.toContain('\n');
    const wrongType = basic();
    (must(wrongType.cells[1], 'the second cell').rounds[2] as unknown as { throughput: string }).throughput = 'fast';
    expect(rejection(wrongType)).toMatch(/\/cells\/1\/rounds\/2\/throughput: Expected/);
    const extra = basic();
    (extra.setup as unknown as Record<string, unknown>).typo = 1;
    expect(rejection(extra)).toMatch(/\/setup/);
  });

  it('rejects what is not a report at all', () => {
    expect(rejection([])).toBe('report.json is not a JSON object');
    expect(rejection({ schema: 'other' })).toMatch(/is not an mkvss-lab\/report file/);
    expect(() => parseReport('{"schema":', 'old.json')).toThrow(/^old\.json is not JSON: /);
  });

  it('re-rendering validates: a bad report fails with the same one-line reason', () => {
    expect(() => renderMarkdown({ ...basic(), version: 1 } as unknown as Report)).toThrow(/version 1; this build reads version 2/);
  });
});
