// Response serialization: status line, Date, Content-Length, Content-Type, HEAD, handler errors.
import { describe, expect, it } from 'vitest';
import {
  HttpSession,
  errorResponse,
  serializeResponse,
  serializedStatus,
  type Handler,
  type HttpResponse,
} from '../../servers/http/index.js';
import { FROZEN_DATE, exchange, header, newSession, parseResponses, run } from './support.js';

const get = (path = '/', method = 'GET') => `${method} ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;
const answer = (response: HttpResponse, raw = get()) => exchange(raw, undefined, () => response);

describe('responses', () => {
  it('writes the standard reason phrase, Date, Content-Type and a correct Content-Length', () => {
    const { response, result } = answer({ status: 201, headers: [['Location', '/keys/a']], body: 'h\u00e9llo \u2603' });
    expect(result.bytes.toString('latin1').startsWith('HTTP/1.1 201 Created\r\n')).toBe(true);
    expect(header(response, 'date')).toBe(FROZEN_DATE);
    expect(header(response, 'location')).toBe('/keys/a');
    expect(header(response, 'content-type')).toBe('text/plain; charset=utf-8');
    expect(header(response, 'content-length')).toBe(String(Buffer.byteLength('h\u00e9llo \u2603')));
    expect(response.body.toString('utf8')).toBe('h\u00e9llo \u2603');
  });

  it("writes every field name in lower case, the engine's and the handler's alike", () => {
    const { result } = answer({
      status: 201,
      headers: [
        ['Location', '/keys/a'],
        ['X-Request-ID', 'r1'],
      ],
      body: 'ok',
    });
    expect(result.bytes.toString('latin1')).toBe(
      'HTTP/1.1 201 Created\r\n' +
        `date: ${FROZEN_DATE}\r\n` +
        'location: /keys/a\r\nx-request-id: r1\r\n' +
        'content-type: text/plain; charset=utf-8\r\ncontent-length: 2\r\n\r\nok',
    );
    const closing = exchange('GET / HTTP/1.0\r\n\r\n', undefined, () => ({
      status: 200,
      headers: [['Content-Type', 'application/json']],
      body: '{}',
    }));
    const [head = ''] = closing.result.bytes.toString('latin1').split('\r\n\r\n');
    for (const line of head.split('\r\n').slice(1)) expect(line.slice(0, line.indexOf(':'))).toMatch(/^[a-z-]+$/);
    expect(head).toContain('\r\ncontent-type: application/json\r\n');
    expect(head).toContain('\r\nconnection: close');
  });

  it('keeps the handler Content-Type, defaults Buffer bodies to application/octet-stream', () => {
    expect(header(answer({ status: 200, headers: [['content-type', 'application/json']], body: '{}' }).response, 'content-type')).toBe(
      'application/json',
    );
    expect(header(answer({ status: 200, body: Buffer.from([1, 2]) }).response, 'content-type')).toBe('application/octet-stream');
  });

  it('sends Content-Length: 0 and no Content-Type for an empty body', () => {
    const { response } = answer({ status: 200 });
    expect(header(response, 'content-length')).toBe('0');
    expect(header(response, 'content-type')).toBeUndefined();
  });

  it('sends no Content-Length with 204 (RFC 9110 §8.6)', () => {
    const { result } = answer({ status: 204 });
    expect(result.bytes.toString('latin1')).toBe(`HTTP/1.1 204 No Content\r\ndate: ${FROZEN_DATE}\r\n\r\n`);
  });

  it('passes Allow through on 405', () => {
    const { response } = answer({ ...errorResponse(405, 'method not allowed'), headers: [['allow', 'GET, PUT']] });
    expect(response.reason).toBe('Method Not Allowed');
    expect(header(response, 'allow')).toBe('GET, PUT');
  });

  it('answers HEAD with the GET headers, GET Content-Length included, and no body', () => {
    const handler: Handler = () => ({ status: 200, headers: [['content-type', 'application/json']], body: '{"value":"abc"}' });
    const session = newSession(handler);
    const { bytes } = run(session, [get('/k', 'HEAD') + get('/k', 'GET')]);
    const [head, full] = parseResponses(bytes, (i) => i === 0);
    expect(head!.headers).toEqual(full!.headers);
    expect(header(head!, 'content-length')).toBe('15');
    expect(head!.body.length).toBe(0);
    expect(full!.body.toString()).toBe('{"value":"abc"}');
  });

  it('gives the engine errors a JSON body with the exact reason', () => {
    const { response } = exchange('GET / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n');
    expect(response.status).toBe(400);
    expect(header(response, 'content-type')).toBe('application/json');
    expect(header(response, 'connection')).toBe('close');
    expect(JSON.parse(response.body.toString())).toEqual({ error: 'header name contains an invalid character' });
  });

  it('errorResponse builds the shared {"error": reason} shape', () => {
    expect(errorResponse(404, 'no such key')).toEqual({
      status: 404,
      headers: [['content-type', 'application/json']],
      body: '{"error":"no such key"}',
    });
  });
});

describe('handler failures become 500 and the connection stays usable', () => {
  const cases: [string, Handler][] = [
    [
      'throws',
      () => {
        throw new Error('boom');
      },
    ],
    ['sets an engine-owned header', () => ({ status: 200, headers: [['Content-Length', '3']] })],
    ['puts CRLF in a header value', () => ({ status: 200, headers: [['x-a', 'a\r\nx-b: b']] })],
    ['uses an invalid header name', () => ({ status: 200, headers: [['x a', 'b']] })],
    ['returns an impossible status', () => ({ status: 99 })],
    ['returns a body with 204', () => ({ status: 204, body: 'x' })],
  ];
  it.each(cases)('handler %s', (_, handler) => {
    const errors: unknown[] = [];
    const session = new HttpSession(handler, undefined, { now: () => 0, onHandlerError: (e) => errors.push(e) });
    const { bytes, close } = run(session, [get() + get()]);
    const responses = parseResponses(bytes);
    expect(responses.map((r) => r.status)).toEqual([500, 500]);
    expect(JSON.parse(String(responses[0]?.body))).toEqual({ error: 'internal error' });
    expect(close).toBe(false);
    expect(errors).toHaveLength(2);
  });
});

describe('serializeResponse', () => {
  it('writes Connection: close / keep-alive when asked, and nothing otherwise', () => {
    const text = (connection: 'none' | 'close' | 'keep-alive') =>
      serializeResponse({ status: 200 }, { date: FROZEN_DATE, omitBody: false, connection }).toString('latin1');
    expect(text('none')).not.toContain('Connection');
    expect(text('close')).toContain('\r\nconnection: close\r\n');
    expect(text('keep-alive')).toContain('\r\nconnection: keep-alive\r\n');
  });
});

describe('serializedStatus', () => {
  it('reads back the status of every response the serializer writes, and 0 without a head', () => {
    for (const status of [200, 201, 204, 304, 400, 404, 409, 413, 500, 503]) {
      const bytes = serializeResponse({ status }, { date: FROZEN_DATE, omitBody: false, connection: 'keep-alive' });
      expect(serializedStatus(bytes)).toBe(status);
    }
    expect(serializedStatus(undefined)).toBe(0);
    expect(serializedStatus(Buffer.from('HTTP/1.1 2', 'latin1'))).toBe(0);
  });
});
