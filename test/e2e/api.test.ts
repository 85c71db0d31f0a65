// Every API row and its status codes, over raw TCP against the built server: async and sync
// (our engine) and reference (node:http) must all answer the same API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyJson, header } from './support/http-response.js';
import { request, req } from './support/raw-client.js';
import { apiSuiteServers } from './support/servers-under-test.js';
import { cleanupTempDirs, startServer, type StartedServer } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

describe.each(apiSuiteServers())('API over %s', (kind) => {
  let server: StartedServer;
  let port: number;
  beforeAll(async () => {
    server = await startServer(kind, ['--max-body', '4k']);
    port = server.port;
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0); // undefined: start failed
  });

  it('GET /health is 200 JSON; other methods on it are 405 with Allow', async () => {
    const ok = await request(port, req('GET', '/health'));
    expect(ok.status).toBe(200);
    expect(header(ok, 'content-type')).toMatch(/application\/json/);
    const wrong = await request(port, req('DELETE', '/health'));
    expect(wrong.status).toBe(405);
    expect(header(wrong, 'allow')).toBe('GET, HEAD');
  });

  it('PUT creates (201 + Location), PUT again replaces (200), GET returns the exact bytes', async () => {
    const value = Buffer.from([0, 1, 2, 255, 13, 10, 0x7f]);
    const created = await request(port, req('PUT', '/keys/bytes', value));
    expect(created.status).toBe(201);
    expect(header(created, 'location')).toBe('/keys/bytes');
    const replaced = await request(port, req('PUT', '/keys/bytes', 'second'));
    expect(replaced.status).toBe(200);
    await request(port, req('PUT', '/keys/bytes', value));
    const got = await request(port, req('GET', '/keys/bytes'));
    expect(got.status).toBe(200);
    expect(got.body.equals(value)).toBe(true);
    expect(header(got, 'content-length')).toBe(String(value.length));
  });

  it('HEAD gives the headers of GET and no body', async () => {
    await request(port, req('PUT', '/keys/headed', 'twelve bytes'));
    const head = await request(port, req('HEAD', '/keys/headed'), true);
    expect(head.status).toBe(200);
    expect(header(head, 'content-length')).toBe('12');
    expect(head.body.length).toBe(0);
  });

  it('GET and DELETE of a missing key are 404 with a JSON error', async () => {
    for (const method of ['GET', 'DELETE']) {
      const r = await request(port, req(method, '/keys/never-stored'));
      expect(r.status).toBe(404);
      expect(bodyJson(r)).toEqual({ error: expect.any(String) });
    }
  });

  it('DELETE removes (200), then GET is 404', async () => {
    await request(port, req('PUT', '/keys/doomed', 'x'));
    expect((await request(port, req('DELETE', '/keys/doomed'))).status).toBe(200);
    expect((await request(port, req('GET', '/keys/doomed'))).status).toBe(404);
  });

  it('POST /keys creates from JSON (201, Location percent-encoded), 409 when the key exists', async () => {
    const body = JSON.stringify({ key: 'a b', value: 'héllo' });
    const created = await request(port, req('POST', '/keys', body, ['Content-Type: application/json']));
    expect(created.status).toBe(201);
    expect(header(created, 'location')).toBe('/keys/a%20b');
    const got = await request(port, req('GET', '/keys/a%20b'));
    expect(got.body.toString('utf8')).toBe('héllo');
    const again = await request(port, req('POST', '/keys', body));
    expect(again.status).toBe(409);
  });

  it('POST /keys with bad JSON or bad fields is 400', async () => {
    for (const body of ['{not json', '[]', '{"key": 1, "value": "v"}', '{"key": "k"}', '{"value": "v"}']) {
      const r = await request(port, req('POST', '/keys', body));
      expect(r.status, body).toBe(400);
      expect(bodyJson(r)).toEqual({ error: expect.any(String) });
    }
  });

  it('GET /keys is 405 (Allow: POST); unknown paths are 404; an unsupported method on a key is 405', async () => {
    const collection = await request(port, req('GET', '/keys'));
    expect(collection.status).toBe(405);
    expect(header(collection, 'allow')).toBe('POST');
    expect((await request(port, req('GET', '/nothing-here'))).status).toBe(404);
    expect((await request(port, req('PATCH', '/keys/a', 'x'))).status).toBe(405);
  });

  it('a bad percent escape in the key is 400', async () => {
    expect((await request(port, req('GET', '/keys/%zz'))).status).toBe(400);
  });

  it('a body over --max-body is 413', async () => {
    const r = await request(port, req('PUT', '/keys/big', Buffer.alloc(5000, 0x61)));
    expect(r.status).toBe(413);
  });
});
