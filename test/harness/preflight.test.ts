import { describe, expect, it } from 'vitest';
import { firstMismatch, PREFLIGHT_SCRIPT, type PreflightAnswer } from '../../harness/run/preflight.js';
import { must } from '../../harness/must.js';

const documented = (): PreflightAnswer[] =>
  PREFLIGHT_SCRIPT.map((s) => ({
    status: s.expect,
    body: `body of ${s.method} ${s.path}`,
    headers: { 'content-type': 'application/json' },
  }));

describe('pre-flight judging', () => {
  it('covers the statuses the API documents', () => {
    expect(new Set(PREFLIGHT_SCRIPT.map((s) => s.expect))).toEqual(new Set([200, 201, 400, 404, 405, 409]));
    expect(PREFLIGHT_SCRIPT.map((s) => s.method)).toEqual(expect.arrayContaining(['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH']));
  });

  it('accepts the documented statuses', () => {
    expect(firstMismatch(documented())).toBeNull();
  });

  it('names the first step with an undocumented status', () => {
    const answers = documented();
    const i = PREFLIGHT_SCRIPT.findIndex((s) => s.path === '/keys/%FF');
    answers[i] = { ...must(answers[i], 'the answer to that step'), status: 404 };
    expect(firstMismatch(answers)).toMatch(new RegExp(`^step ${i + 1} \\(GET /keys/%FF\\): expected status 400, got 404`));
  });

  it('compares bodies and headers with the first server checked', () => {
    const reference = { server: 'sync', answers: documented() };
    const other = documented();
    expect(firstMismatch(other, PREFLIGHT_SCRIPT, reference)).toBeNull();
    other[3] = { ...must(other[3], 'the answer to step 4'), body: 'something else' };
    expect(firstMismatch(other, PREFLIGHT_SCRIPT, reference)).toMatch(/^step 4 .*body .* differs from sync's/);
    const headers = documented();
    headers[0] = { ...must(headers[0], 'the answer to step 1'), headers: { 'content-type': 'text/plain' } };
    expect(firstMismatch(headers, PREFLIGHT_SCRIPT, reference)).toMatch(/header content-type "text\/plain" differs/);
  });

  it('reports a missing answer', () => {
    expect(firstMismatch(documented().slice(0, 2))).toMatch(/^step 3 .*no answer/);
  });
});
