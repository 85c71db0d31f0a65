// The REST API, row by row of docs/API.md, on a real temporary database.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Handler } from '../../servers/http/types.js';
import { MAX_KEY_BYTES } from '../../servers/kv/keys.js';
import { createRoutes } from '../../servers/kv/routes.js';
import { openStore, type KvStore } from '../../servers/kv/store.js';
import { bodyBytes, bodyJson, header, request, tempDirectory } from './temp-database.js';

let temp: ReturnType<typeof tempDirectory>;
let store: KvStore;
let routes: Handler;

beforeEach(() => {
  temp = tempDirectory();
  store = openStore(temp.file());
  routes = createRoutes(store);
});
afterEach(() => {
  store.close();
  temp.cleanup();
});

function put(key: string, value: Buffer | string) {
  return routes(request('PUT', `/keys/${key}`, value));
}

describe('GET and HEAD /keys/{key}', () => {
  it('returns the stored bytes as application/octet-stream', () => {
    store.put('a', Buffer.from('hello'));
    const response = routes(request('GET', '/keys/a'));
    expect(response.status).toBe(200);
    expect(header(response, 'content-type')).toBe('application/octet-stream');
    expect(bodyBytes(response).toString()).toBe('hello');
  });

  it('answers HEAD like GET (the engine drops the body, not the routes)', () => {
    store.put('a', Buffer.from('hello'));
    const response = routes(request('HEAD', '/keys/a'));
    expect(response.status).toBe(200);
    expect(bodyBytes(response).toString()).toBe('hello');
    expect(routes(request('HEAD', '/keys/missing')).status).toBe(404);
  });

  it('answers 404 with a JSON reason for a missing key', () => {
    const response = routes(request('GET', '/keys/missing'));
    expect(response.status).toBe(404);
    expect(bodyJson(response)).toEqual({ error: 'key not found' });
  });

  it('round-trips every byte value 0x00-0xFF exactly, and an empty value', () => {
    const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    expect(put('bin', every).status).toBe(201);
    expect(bodyBytes(routes(request('GET', '/keys/bin')))).toEqual(every);
    expect(put('empty', Buffer.alloc(0)).status).toBe(201);
    const empty = routes(request('GET', '/keys/empty'));
    expect(empty.status).toBe(200);
    expect(bodyBytes(empty).length).toBe(0);
  });

  it('ignores the query string', () => {
    store.put('a', Buffer.from('1'));
    expect(bodyBytes(routes(request('GET', '/keys/a?x=1&y')))).toEqual(Buffer.from('1'));
    expect(routes(request('PUT', '/keys/b?ignored', 'v')).status).toBe(201);
    expect(store.get('b')).toEqual(Buffer.from('v'));
  });
});

describe('percent-decoding of {key}', () => {
  it('decodes UTF-8 escapes into the key', () => {
    expect(put('caf%C3%A9%20x', 'v').status).toBe(201);
    expect(store.get('café x')).toEqual(Buffer.from('v'));
    expect(routes(request('GET', '/keys/caf%c3%a9%20x')).status).toBe(200);
  });

  it('allows "/" in a key when sent as %2F (one decoded segment)', () => {
    expect(put('a%2Fb', 'slash').status).toBe(201);
    expect(store.get('a/b')).toEqual(Buffer.from('slash'));
    expect(bodyBytes(routes(request('GET', '/keys/a%2fb'))).toString()).toBe('slash');
  });

  it('treats "+" literally (paths are not form-encoded)', () => {
    put('a+b', 'plus');
    expect(store.get('a+b')).toEqual(Buffer.from('plus'));
  });

  it.each(['%zz', '%4', 'abc%', '%C3', '%FF', '%C3%28', '%ED%A0%80'])('answers 400 for the bad escape %s', (segment) => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE']) {
      const response = routes(request(method, `/keys/${segment}`, 'v'));
      expect(response.status).toBe(400);
      expect(bodyJson(response)).toEqual({ error: 'key is not valid percent-encoded UTF-8' });
    }
    expect(store.count()).toBe(0);
  });

  it('accepts a key of exactly MAX_KEY_BYTES bytes and refuses one byte more with a reason', () => {
    const longest = 'é'.repeat(MAX_KEY_BYTES / 2); // 2 bytes each
    expect(put(encodeURIComponent(longest), 'v').status).toBe(201);
    expect(store.get(longest)).toEqual(Buffer.from('v'));
    const tooLong = routes(request('PUT', `/keys/${'k'.repeat(MAX_KEY_BYTES + 1)}`, 'v'));
    expect(tooLong.status).toBe(400);
    expect(bodyJson(tooLong)).toEqual({ error: `key is longer than ${MAX_KEY_BYTES} bytes` });
    const tooLongUtf8 = routes(request('GET', `/keys/${encodeURIComponent(longest + 'x')}`));
    expect(tooLongUtf8.status).toBe(400);
  });
});

describe('paths and methods', () => {
  it.each(['/', '/keys/', '/keys/a/b', '/keys//', '/key/a', '/keysa', '/health/', '/KEYS/a'])('answers 404 for %s', (path) => {
    for (const method of ['GET', 'PUT', 'POST', 'DELETE']) {
      const response = routes(request(method, path, 'v'));
      expect(response.status).toBe(404);
      expect(bodyJson(response)).toEqual({ error: 'not found' });
    }
    expect(store.count()).toBe(0);
  });

  it.each([
    ['/keys/a', ['POST', 'PATCH', 'OPTIONS', 'get'], 'GET, HEAD, PUT, DELETE'],
    ['/keys', ['GET', 'HEAD', 'PUT', 'DELETE', 'post'], 'POST'],
    ['/health', ['POST', 'PUT', 'DELETE'], 'GET, HEAD'],
  ])('answers 405 with Allow on %s', (path, methods, allow) => {
    for (const method of methods) {
      const response = routes(request(method, path, '{"key":"k","value":"v"}'));
      expect(response.status).toBe(405);
      expect(header(response, 'allow')).toBe(allow);
      expect(bodyJson(response)).toEqual({ error: 'method not allowed' });
    }
    expect(store.count()).toBe(0);
  });

  it('answers GET and HEAD /health with {"status":"ok"}', () => {
    expect(bodyJson(routes(request('GET', '/health')))).toEqual({ status: 'ok' });
    expect(routes(request('HEAD', '/health?probe')).status).toBe(200);
  });
});

describe('PUT /keys/{key}', () => {
  it('answers 201 with Location for a new key, then 200 when replacing', () => {
    const created = put('a%20b', 'one');
    expect(created.status).toBe(201);
    expect(header(created, 'location')).toBe('/keys/a%20b');
    expect(bodyJson(created)).toEqual({ key: 'a b', created: true });
    const replaced = put('a%20b', 'two');
    expect(replaced.status).toBe(200);
    expect(header(replaced, 'location')).toBeUndefined();
    expect(bodyJson(replaced)).toEqual({ key: 'a b', created: false });
    expect(store.get('a b')).toEqual(Buffer.from('two'));
  });

  it('answers 413 past the store value limit and stores nothing', () => {
    store.close();
    store = openStore(temp.file(), { maxValueBytes: 4 });
    routes = createRoutes(store);
    expect(put('a', '1234').status).toBe(201);
    const response = put('b', '12345');
    expect(response.status).toBe(413);
    expect(bodyJson(response)).toEqual({ error: 'value is larger than 4 bytes' });
    expect(store.get('b')).toBeUndefined();
  });
});

describe('DELETE /keys/{key}', () => {
  it('answers 200 then 404', () => {
    put('a', 'v');
    const deleted = routes(request('DELETE', '/keys/a'));
    expect(deleted.status).toBe(200);
    expect(bodyJson(deleted)).toEqual({ key: 'a', deleted: true });
    expect(routes(request('DELETE', '/keys/a')).status).toBe(404);
    expect(routes(request('GET', '/keys/a')).status).toBe(404);
  });
});

describe('POST /keys', () => {
  const post = (body: string | Buffer) => routes(request('POST', '/keys', body));

  it('answers 201 with a percent-encoded Location and stores the value as UTF-8', () => {
    const response = post(JSON.stringify({ key: 'a/b c', value: 'héllo' }));
    expect(response.status).toBe(201);
    expect(header(response, 'location')).toBe('/keys/a%2Fb%20c');
    expect(bodyJson(response)).toEqual({ key: 'a/b c', created: true });
    expect(store.get('a/b c')).toEqual(Buffer.from('héllo', 'utf8'));
    // The Location really names the resource.
    expect(bodyBytes(routes(request('GET', header(response, 'location')!))).toString()).toBe('héllo');
  });

  it('answers 409 when the key exists and leaves the value alone', () => {
    expect(post('{"key":"a","value":"first"}').status).toBe(201);
    const response = post('{"key":"a","value":"second"}');
    expect(response.status).toBe(409);
    expect(bodyJson(response)).toEqual({ error: 'key already exists' });
    expect(store.get('a')).toEqual(Buffer.from('first'));
  });

  it('ignores fields other than key and value', () => {
    expect(post('{"key":"a","value":"v","ttl":5}').status).toBe(201);
  });

  it.each([
    ['', 'body is not valid JSON'],
    ['{"key":"a",', 'body is not valid JSON'],
    ['not json', 'body is not valid JSON'],
    ['null', 'body must be a JSON object {"key": string, "value": string}'],
    ['[1,2]', 'body must be a JSON object {"key": string, "value": string}'],
    ['"a"', 'body must be a JSON object {"key": string, "value": string}'],
    ['{"value":"v"}', 'missing field "key"'],
    ['{"key":"a"}', 'missing field "value"'],
    ['{"key":1,"value":"v"}', 'field "key" must be a string'],
    ['{"key":null,"value":"v"}', 'field "key" must be a string'],
    ['{"key":"a","value":5}', 'field "value" must be a string'],
    ['{"key":"a","value":{"x":1}}', 'field "value" must be a string'],
    ['{"key":"","value":"v"}', 'key must not be empty'],
    [JSON.stringify({ key: 'k'.repeat(MAX_KEY_BYTES + 1), value: 'v' }), `key is longer than ${MAX_KEY_BYTES} bytes`],
    ['{"key":"\\ud800","value":"v"}', 'key is not well-formed Unicode (lone surrogate)'],
    ['{"key":"a","value":"\\udc00"}', 'field "value" is not well-formed Unicode (lone surrogate)'],
  ])('answers 400 for %s', (body, reason) => {
    const response = post(body);
    expect(response.status).toBe(400);
    expect(bodyJson(response)).toEqual({ error: reason });
    expect(store.count()).toBe(0);
  });

  it('answers 400 for a body that is not UTF-8', () => {
    const response = post(Buffer.from([0x7b, 0xff, 0x7d]));
    expect(response.status).toBe(400);
    expect(bodyJson(response)).toEqual({ error: 'body is not valid UTF-8' });
  });
});
