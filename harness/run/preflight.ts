// Pre-flight, before any load (as TechEmpower verifies before it benchmarks): every server that
// implements the API gets the same scripted requests and must answer with the statuses the API
// documents (docs/API.md), and with the same statuses, bodies and key headers as the first server
// checked. The script cleans up after itself (it leaves no rows). The floor server (a canned 200
// to everything) is exempt.
import http from 'node:http';

export interface PreflightStep {
  method: string;
  path: string;
  body?: string;
  /** What docs/API.md says the answer is. */
  expect: number;
}

export interface PreflightAnswer {
  status: number;
  body: string;
  /** Headers that belong to the API's behaviour (the Date header does not). */
  headers: Record<string, string>;
}

export const PREFLIGHT_SCRIPT: readonly PreflightStep[] = [
  { method: 'GET', path: '/health', expect: 200 },
  { method: 'PUT', path: '/keys/preflight-a', body: 'hello', expect: 201 },
  { method: 'PUT', path: '/keys/preflight-a', body: 'hello again', expect: 200 },
  { method: 'GET', path: '/keys/preflight-a', expect: 200 },
  { method: 'HEAD', path: '/keys/preflight-a', expect: 200 },
  { method: 'GET', path: '/keys/preflight-a?x=1', expect: 200 },
  { method: 'POST', path: '/keys', body: '{"key":"preflight b/c","value":"h\u00e9llo"}', expect: 201 },
  { method: 'POST', path: '/keys', body: '{"key":"preflight b/c","value":"again"}', expect: 409 },
  { method: 'GET', path: '/keys/preflight%20b%2Fc', expect: 200 },
  { method: 'POST', path: '/keys', body: '{"key":1}', expect: 400 },
  { method: 'POST', path: '/keys', body: 'not json', expect: 400 },
  // Not '/keys/%zz': a malformed escape is an invalid request-target (RFC 9112), which our engine
  // rejects before routing while node:http (the reference control) hands it to the routes; both
  // answer 400 but with different reasons. Pre-flight checks the API, so it sends a well-formed
  // escape that is not UTF-8, which every server rejects in the routes alike.
  { method: 'GET', path: '/keys/%FF', expect: 400 },
  { method: 'PATCH', path: '/keys/preflight-a', expect: 405 },
  { method: 'DELETE', path: '/keys', expect: 405 },
  { method: 'GET', path: '/nope', expect: 404 },
  { method: 'GET', path: '/keys/', expect: 404 },
  { method: 'DELETE', path: '/keys/preflight-a', expect: 200 },
  { method: 'GET', path: '/keys/preflight-a', expect: 404 },
  { method: 'DELETE', path: '/keys/preflight-a', expect: 404 },
  { method: 'PUT', path: '/keys/preflight-empty', body: '', expect: 201 },
  { method: 'GET', path: '/keys/preflight-empty', expect: 200 },
  { method: 'DELETE', path: '/keys/preflight-empty', expect: 200 },
  { method: 'DELETE', path: '/keys/preflight%20b%2Fc', expect: 200 },
];

const KEPT_HEADERS = ['content-type', 'content-length', 'location', 'allow'];

export function send(port: number, step: PreflightStep, timeoutMs = 5000, host = '127.0.0.1'): Promise<PreflightAnswer> {
  return new Promise((resolve, reject) => {
    const body = step.body === undefined ? undefined : Buffer.from(step.body);
    const req = http.request(
      {
        host,
        port,
        method: step.method,
        path: step.path,
        agent: false,
        timeout: timeoutMs,
        headers: body ? { 'content-length': body.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const headers: Record<string, string> = {};
          for (const h of KEPT_HEADERS) {
            const v = res.headers[h];
            if (v !== undefined) headers[h] = Array.isArray(v) ? v.join(', ') : v;
          }
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), headers });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The script's answers, in order. `host`: 127.0.0.1 for a server the lab started, a remote
 *  target's host else; a server that does not answer the first step gets no more requests (an
 *  unreachable target fails at once, not after a timeout per step). */
export async function runScript(
  port: number,
  script: readonly PreflightStep[] = PREFLIGHT_SCRIPT,
  host = '127.0.0.1',
): Promise<PreflightAnswer[]> {
  const answers: PreflightAnswer[] = [];
  for (const step of script) {
    try {
      answers.push(await send(port, step, 5000, host));
    } catch (err) {
      answers.push({ status: 0, body: `(no answer from ${host}:${port}: ${(err as Error).message})`, headers: {} });
      if (answers.length === 1) break;
    }
  }
  return answers;
}

/** The keys the script writes (and deletes), by their request paths: a remote target's left-over
 *  check GETs each one after the script (the API cannot count rows). */
export const PREFLIGHT_KEY_PATHS: readonly string[] = ['/keys/preflight-a', '/keys/preflight%20b%2Fc', '/keys/preflight-empty'];

const describe = (s: PreflightStep) => `${s.method} ${s.path}${s.body !== undefined ? ` ${JSON.stringify(s.body)}` : ''}`;
const clip = (t: string) => (t.length > 120 ? `${t.slice(0, 117)}...` : t);

/**
 * The first problem with `answers`: a status other than the documented one, or (when `reference`
 * answers are given, from the first server checked) any difference in status, body or kept
 * headers. Null when everything matches.
 */
export function firstMismatch(
  answers: readonly PreflightAnswer[],
  script: readonly PreflightStep[] = PREFLIGHT_SCRIPT,
  reference?: { server: string; answers: readonly PreflightAnswer[] },
): string | null {
  for (const [i, step] of script.entries()) {
    const a = answers[i];
    if (!a) return `step ${i + 1} (${describe(step)}): no answer`;
    if (a.status !== step.expect)
      return `step ${i + 1} (${describe(step)}): expected status ${step.expect}, got ${a.status} ${clip(a.body)}`;
    const r = reference?.answers[i];
    if (!r) continue;
    if (a.body !== r.body)
      return `step ${i + 1} (${describe(step)}): body ${clip(JSON.stringify(a.body))} differs from ${reference!.server}'s ${clip(JSON.stringify(r.body))}`;
    for (const h of KEPT_HEADERS) {
      if (a.headers[h] !== r.headers[h])
        return `step ${i + 1} (${describe(step)}): header ${h} "${a.headers[h] ?? '(none)'}" differs from ${reference!.server}'s "${r.headers[h] ?? '(none)'}"`;
    }
  }
  return null;
}
