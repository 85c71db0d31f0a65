// The serializer remembers deeply frozen header lists (validated once, head prefix kept as bytes
// per status and Date). These tests hold that cache to the uncached path: the same bytes for the
// same response, a fresh Date when the second changes, and lists that can change checked on
// every call.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeResponse, type ConnectionHeader, type HttpResponse } from '../../servers/http/index.js';
import { reasonPhrase } from '../../servers/http/status-codes.js';
import { FROZEN_DATE } from './support.js';

type Fields = [string, string][];

const chars = (s: string) => fc.constantFrom(...s.split(''));
const nameArb = fc.oneof(
  fc.constantFrom('content-type', 'Content-Type', 'location', 'allow', 'x-a'),
  fc
    .string({ unit: chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~"), minLength: 1, maxLength: 10 })
    .filter((n) => !['date', 'content-length', 'connection', 'transfer-encoding'].includes(n.toLowerCase())),
);
const valueArb = fc
  .string({
    unit: fc
      .integer({ min: 0x20, max: 0xff })
      .filter((c) => c !== 0x7f)
      .map((c) => String.fromCharCode(c)),
    maxLength: 16,
  })
  .map((v) => v.trim())
  .filter((v) => v === '' || (v.charCodeAt(0) > 0x20 && v.charCodeAt(v.length - 1) > 0x20));
const fieldsArb: fc.Arbitrary<Fields> = fc.array(fc.tuple(nameArb, valueArb), { maxLength: 4 });
const bodyArb = fc.oneof(
  fc.constant(undefined),
  fc.string({ maxLength: 20 }),
  fc.uint8Array({ maxLength: 20 }).map((a) => Buffer.from(a)),
);
const statusArb = fc.oneof(fc.constantFrom(200, 201, 204, 304, 404, 500), fc.integer({ min: 200, max: 599 }));
const connectionArb = fc.constantFrom<ConnectionHeader>('none', 'close', 'keep-alive');

const deepFreeze = (fields: Fields) => Object.freeze(fields.map((f) => Object.freeze([...f] as [string, string])));
const copy = (fields: Fields): Fields => fields.map(([n, v]) => [n, v]);

/** The documented head, written out plainly: the oracle for both paths. */
function expected(response: HttpResponse, date: string, omitBody: boolean, connection: ConnectionHeader): Buffer {
  const body = Buffer.from(response.body ?? '');
  const headers = response.headers ?? [];
  let head = `HTTP/1.1 ${response.status} ${reasonPhrase(response.status)}\r\ndate: ${date}\r\n`;
  for (const [n, v] of headers) head += `${n.toLowerCase()}: ${v}\r\n`;
  if (body.length > 0 && !headers.some(([n]) => n.toLowerCase() === 'content-type')) {
    head += `content-type: ${typeof response.body === 'string' ? 'text/plain; charset=utf-8' : 'application/octet-stream'}\r\n`;
  }
  if (response.status !== 204 && response.status !== 304) head += `content-length: ${body.length}\r\n`;
  if (connection !== 'none') head += `connection: ${connection}\r\n`;
  return Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), omitBody ? Buffer.alloc(0) : body]);
}

describe('frozen header lists (cached) and mutable ones (checked every time)', () => {
  it('give exactly the same bytes, also on a repeated call and after the Date changes', () => {
    const otherDate = 'Sun, 06 Nov 1994 08:49:38 GMT';
    fc.assert(
      fc.property(statusArb, fieldsArb, bodyArb, fc.boolean(), connectionArb, (status, fields, body, omitBody, connection) => {
        const bodyless = status === 204 || status === 304;
        const frozen: HttpResponse = { status, headers: deepFreeze(fields), body: bodyless ? undefined : body };
        const mutable: HttpResponse = { ...frozen, headers: copy(fields) };
        for (const date of [FROZEN_DATE, FROZEN_DATE, otherDate]) {
          const options = { date, omitBody, connection };
          const want = expected(frozen, date, omitBody, connection);
          expect(serializeResponse(frozen, options).equals(want)).toBe(true);
          expect(serializeResponse(mutable, options).equals(want)).toBe(true);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('one frozen list serves several statuses and body kinds, each with its own head', () => {
    const headers = deepFreeze([['x-a', '1']]);
    const options = { date: FROZEN_DATE, omitBody: false, connection: 'none' as const };
    const responses: HttpResponse[] = [
      { status: 200, headers, body: 'text' },
      { status: 200, headers, body: Buffer.from('octets') },
      { status: 200, headers },
      { status: 404, headers, body: 'text' },
      { status: 204, headers },
      { status: 200, headers, body: 'text' },
    ];
    for (const response of responses) {
      expect(serializeResponse(response, options).equals(expected(response, FROZEN_DATE, false, 'none'))).toBe(true);
    }
  });

  it('a mutable list is re-validated: a value changed to contain CR/LF makes the next call throw', () => {
    const field: [string, string] = ['x-a', 'fine'];
    const headers: Fields = [field];
    const response: HttpResponse = { status: 200, headers, body: 'x' };
    const options = { date: FROZEN_DATE, omitBody: false, connection: 'none' as const };
    expect(serializeResponse(response, options).toString('latin1')).toContain('\r\nx-a: fine\r\n');
    field[1] = 'a\r\nx-b: b';
    expect(() => serializeResponse(response, options)).toThrow(TypeError);
    field[1] = 'changed';
    expect(serializeResponse(response, options).toString('latin1')).toContain('\r\nx-a: changed\r\n');
  });

  it('a frozen list whose entries can still change is not cached', () => {
    const field: [string, string] = ['x-a', 'fine'];
    const headers = Object.freeze([field]);
    const response: HttpResponse = { status: 200, headers };
    const options = { date: FROZEN_DATE, omitBody: false, connection: 'none' as const };
    expect(serializeResponse(response, options).toString('latin1')).toContain('\r\nx-a: fine\r\n');
    field[1] = 'a\nb';
    expect(() => serializeResponse(response, options)).toThrow(TypeError);
  });

  it('a bad frozen list throws on every call, not only the first', () => {
    const options = { date: FROZEN_DATE, omitBody: false, connection: 'none' as const };
    for (const fields of [[['Content-Length', '3']], [['x-a', 'a\r\nb']], [['x a', 'b']]] as Fields[]) {
      const response: HttpResponse = { status: 200, headers: deepFreeze(fields) };
      expect(() => serializeResponse(response, options)).toThrow(TypeError);
      expect(() => serializeResponse(response, options)).toThrow(TypeError);
    }
  });

  it('a frozen list does not excuse a bad status or a body on 204', () => {
    const headers = deepFreeze([['content-type', 'application/json']]);
    const options = { date: FROZEN_DATE, omitBody: false, connection: 'none' as const };
    serializeResponse({ status: 200, headers, body: '{}' }, options);
    expect(() => serializeResponse({ status: 99, headers, body: '{}' }, options)).toThrow(TypeError);
    expect(() => serializeResponse({ status: 204, headers, body: '{}' }, options)).toThrow(TypeError);
  });
});
