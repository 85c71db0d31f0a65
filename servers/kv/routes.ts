// The REST API over a KvStore, as a pure function of the request (see docs/API.md). The engine
// owns the protocol (Date, Content-Length, Connection, HEAD bodies, body limits); this file owns
// every API rule.
//
// Methods: the engine answers 501 to a method outside the HTTP method registry before the routes
// run (servers/http/methods.ts); here a resource answers 405 with Allow to a recognised method it
// does not allow.
//
// GET /keys/{key} is the benchmarked hot path: no regex, no allocation beyond the response object
// and the value buffer, percent-decoding only when the segment has a '%', and every fixed response
// built once.
import type { Handler, HttpRequest, HttpResponse } from '../http/types.js';
import { databaseFaultResponse } from './database-faults.js';
import { isWellFormedText, keyLengthProblem, keyProblem } from './keys.js';
import { frozenJsonError, jsonError, jsonResponse, OCTET_HEADERS, type HeaderList } from './responses.js';
import type { KvStore } from './store.js';

const KEY_PREFIX = '/keys/';
const KEY_PREFIX_LENGTH = KEY_PREFIX.length;

const NOT_FOUND = frozenJsonError(404, 'not found');
const KEY_NOT_FOUND = frozenJsonError(404, 'key not found');
const KEY_EXISTS = frozenJsonError(409, 'key already exists');
const BAD_ESCAPE = frozenJsonError(400, 'key is not valid percent-encoded UTF-8');
const KEY_METHODS = frozenJsonError(405, 'method not allowed', [['allow', 'GET, HEAD, PUT, DELETE']]);
const COLLECTION_METHODS = frozenJsonError(405, 'method not allowed', [['allow', 'POST']]);
const HEALTH_METHODS = frozenJsonError(405, 'method not allowed', [['allow', 'GET, HEAD']]);
const HEALTH_OK: HttpResponse = Object.freeze(jsonResponse(200, { status: 'ok' }));
const POST_SHAPE = 'body must be a JSON object {"key": string, "value": string}';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function createRoutes(store: KvStore): Handler {
  const valueTooLarge = frozenJsonError(413, `value is larger than ${store.maxValueBytes} bytes`);

  function keyResource(request: HttpRequest, path: string): HttpResponse {
    // One segment only: "/keys/" and "/keys/a/b" are not resources ("/" in a key is sent as %2F).
    if (path.length === KEY_PREFIX_LENGTH || path.indexOf('/', KEY_PREFIX_LENGTH) !== -1) return NOT_FOUND;
    const method = request.method;
    const isRead = method === 'GET' || method === 'HEAD';
    if (!isRead && method !== 'PUT' && method !== 'DELETE') return KEY_METHODS;

    let key = path.slice(KEY_PREFIX_LENGTH);
    if (key.indexOf('%') !== -1) {
      try {
        key = decodeURIComponent(key);
      } catch {
        return BAD_ESCAPE; // "%zz", a truncated "%4", or bytes that are not UTF-8
      }
    }
    const problem = keyLengthProblem(key);
    if (problem !== undefined) return jsonError(400, problem);

    if (isRead) return read(key);
    if (method === 'PUT') return replace(key, request.body);
    return remove(key);
  }

  function read(key: string): HttpResponse {
    let value: Buffer | undefined;
    try {
      value = store.get(key);
    } catch (error) {
      return databaseFaultResponse(error);
    }
    if (value === undefined) return KEY_NOT_FOUND;
    return { status: 200, headers: OCTET_HEADERS, body: value };
  }

  function replace(key: string, value: Buffer): HttpResponse {
    if (value.length > store.maxValueBytes) return valueTooLarge;
    let outcome: 'created' | 'replaced';
    try {
      outcome = store.put(key, value);
    } catch (error) {
      return databaseFaultResponse(error);
    }
    if (outcome === 'replaced') return jsonResponse(200, { key, created: false });
    return jsonResponse(201, { key, created: true }, locationOf(key));
  }

  function remove(key: string): HttpResponse {
    let deleted: boolean;
    try {
      deleted = store.delete(key);
    } catch (error) {
      return databaseFaultResponse(error);
    }
    return deleted ? jsonResponse(200, { key, deleted: true }) : KEY_NOT_FOUND;
  }

  function create(body: Buffer): HttpResponse {
    let fields: unknown;
    try {
      fields = JSON.parse(UTF8.decode(body));
    } catch (error) {
      const what = error instanceof SyntaxError ? 'JSON' : 'UTF-8';
      return jsonError(400, `body is not valid ${what}`);
    }
    if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) return jsonError(400, POST_SHAPE);
    const { key, value } = fields as { key?: unknown; value?: unknown };
    if (key === undefined) return jsonError(400, 'missing field "key"');
    if (typeof key !== 'string') return jsonError(400, 'field "key" must be a string');
    if (value === undefined) return jsonError(400, 'missing field "value"');
    if (typeof value !== 'string') return jsonError(400, 'field "value" must be a string');
    const problem = keyProblem(key);
    if (problem !== undefined) return jsonError(400, problem);
    // The value is stored as its UTF-8 bytes, which a lone surrogate does not have.
    if (!isWellFormedText(value)) return jsonError(400, 'field "value" is not well-formed Unicode (lone surrogate)');
    const bytes = Buffer.from(value, 'utf8');
    if (bytes.length > store.maxValueBytes) return valueTooLarge;

    let inserted: boolean;
    try {
      inserted = store.insert(key, bytes);
    } catch (error) {
      return databaseFaultResponse(error);
    }
    if (!inserted) return KEY_EXISTS;
    return jsonResponse(201, { key, created: true }, locationOf(key));
  }

  return function kvRoutes(request: HttpRequest): HttpResponse {
    const path = request.path; // the query is already split off by the engine, and ignored
    if (path.startsWith(KEY_PREFIX)) return keyResource(request, path);
    if (path === '/keys') return request.method === 'POST' ? create(request.body) : COLLECTION_METHODS;
    if (path === '/health') {
      return request.method === 'GET' || request.method === 'HEAD' ? HEALTH_OK : HEALTH_METHODS;
    }
    return NOT_FOUND;
  };
}

function locationOf(key: string): HeaderList {
  return [['location', KEY_PREFIX + encodeURIComponent(key)]];
}
