// Real clients against the built servers: Node's fetch (undici), curl (when installed) and a
// short autocannon run that must end with zero errors and zero non-2xx answers.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import autocannon from 'autocannon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiSuiteServers } from './support/servers-under-test.js';
import { cleanupTempDirs, startServer, type StartedServer } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

function curlPath(): string | null {
  try {
    return execFileSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}
const curl = curlPath();

describe.each(apiSuiteServers())('real clients against %s', (kind) => {
  let server: StartedServer;
  let base: string;
  beforeAll(async () => {
    server = await startServer(kind);
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0); // undefined: start failed
  });

  it('works with fetch (undici): PUT, GET, HEAD, POST, DELETE over a kept-alive pool', async () => {
    const put = await fetch(`${base}/keys/fetched`, { method: 'PUT', body: 'from fetch' });
    expect(put.status).toBe(201);
    await put.arrayBuffer();
    const got = await fetch(`${base}/keys/fetched`);
    expect(got.status).toBe(200);
    expect(await got.text()).toBe('from fetch');
    const head = await fetch(`${base}/keys/fetched`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('10');
    const post = await fetch(`${base}/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'posted', value: 'v' }),
    });
    expect(post.status).toBe(201);
    expect(post.headers.get('location')).toBe('/keys/posted');
    await post.arrayBuffer();
    const del = await fetch(`${base}/keys/fetched`, { method: 'DELETE' });
    expect(del.status).toBe(200);
    await del.arrayBuffer();
    const gone = await fetch(`${base}/keys/fetched`);
    expect(gone.status).toBe(404);
    expect(await gone.json()).toEqual({ error: expect.any(String) });
  });

  // fetch (undici) opens up to one connection per request in flight here, ~100, and keeps them
  // alive: the blocking server needs a thread for each, and grows its pool from its floor (16)
  // at ~150 ms of CPU per thread on this machine, so this can take tens of seconds for sync
  // (measured 11 s on a loaded two-core machine). Hence the longer, bounded timeout.
  it('works with many fetches in parallel', async () => {
    const results = await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const r = await fetch(`${base}/keys/par${i}`, { method: 'PUT', body: `p${i}` });
        await r.arrayBuffer();
        const g = await fetch(`${base}/keys/par${i}`);
        return (await g.text()) === `p${i}`;
      }),
    );
    expect(results.every(Boolean)).toBe(true);
  }, 90_000);

  it.skipIf(curl === null)('works with curl (skipped when curl is not installed)', async () => {
    const run = promisify(execFile);
    const put = await run(curl!, [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-X',
      'PUT',
      '--data-binary',
      'hello curl',
      `${base}/keys/curled`,
    ]);
    expect(put.stdout).toBe('201');
    // Two URLs in one curl run reuse one connection (keep-alive).
    const get = await run(curl!, ['-sS', `${base}/keys/curled`, `${base}/keys/curled`]);
    expect(get.stdout).toBe('hello curlhello curl');
    const expect100 = await run(curl!, [
      '-sS',
      '-o',
      '/dev/null',
      '-w',
      '%{http_code}',
      '-H',
      'Expect: 100-continue',
      '-X',
      'PUT',
      '--data-binary',
      'x'.repeat(2048),
      `${base}/keys/curl-expect`,
    ]);
    expect(expect100.stdout).toBe('201');
  });

  it('survives ~2 s of autocannon with zero errors and zero non-2xx', async () => {
    await (await fetch(`${base}/keys/hot`, { method: 'PUT', body: 'hot value' })).arrayBuffer();
    const result = await autocannon({
      url: `${base}/keys/hot`,
      connections: 20,
      pipelining: 2,
      duration: 2,
      requests: [{ method: 'GET' }, { method: 'PUT', body: 'hot value' }],
    });
    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.requests.total).toBeGreaterThan(100);
  }, 15_000);
});

if (curl === null) console.warn('curl is not installed: the curl e2e test is skipped');
