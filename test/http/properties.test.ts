// Properties of the engine (fast-check):
//  1. a valid request stream, split at any points, gives the same requests and the same bytes;
//  2. arbitrary bytes give well-formed responses or a typed protocol error — never a throw, a
//     hang, or unbounded buffering — and also do not depend on how they are split;
//  3. round trips: requests serialized here parse back equal; responses serialized by the
//     engine parse back equal with the test-side response parser.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_CHUNK_LINE_BYTES,
  isRecognisedMethod,
  serializeResponse,
  type Handler,
  type HttpLimits,
  type HttpResponse,
} from '../../servers/http/index.js';
import { must } from '../../harness/must.js';
import {
  FROZEN_DATE,
  echoOf,
  errorOf,
  header,
  newSession,
  parseResponses,
  serializeRequest,
  splitAtFractions,
  type RequestSpec,
} from './support.js';

const RUNS = 300;

// ---------- generators ----------

const chars = (s: string) => fc.constantFrom(...s.split(''));
const ALPHA = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
const tokenArb = fc.string({ unit: chars(ALPHA + "0123456789!#$%&'*+-.^_`|~"), minLength: 1, maxLength: 12 });
const pathCharArb = chars(ALPHA + "0123456789-._~!$&'()*+,;=:@/");
const segmentArb = fc.string({ unit: pathCharArb, maxLength: 10 });
const queryArb = fc.option(fc.string({ unit: fc.oneof(pathCharArb, chars('?')), maxLength: 12 }), { nil: undefined });
const pctArb = fc.constantFrom('%20', '%2F', '%e9', '');

const targetArb = fc
  .tuple(fc.array(fc.tuple(segmentArb, pctArb), { maxLength: 4 }), queryArb, fc.boolean())
  .map(([segments, query, absolute]) => {
    const path = '/' + segments.map(([s, p]) => s + p).join('/');
    const originForm = query === undefined ? path : `${path}?${query}`;
    return absolute ? `http://example.test:8080${originForm}` : originForm;
  });

const fieldValueArb = fc
  .string({
    unit: fc.oneof(
      chars(ALPHA + '0123456789 \t!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~'),
      fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)),
    ),
    maxLength: 20,
  })
  .map((v) => v.replace(/^[ \t]+|[ \t]+$/g, ''));

const requestArb: fc.Arbitrary<RequestSpec & { leadingEmptyLine: boolean; expectContinue: boolean }> = fc.record({
  method: fc.oneof(fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'HEAD'), tokenArb),
  target: targetArb,
  minor: fc.constantFrom(0 as const, 1 as const, 1 as const),
  headers: fc.array(
    fc.tuple(
      tokenArb.map((t) => `X-${t}`),
      fieldValueArb,
    ),
    { maxLength: 5 },
  ),
  body: fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a)),
  chunked: fc.boolean(),
  leadingEmptyLine: fc.boolean(),
  expectContinue: fc.boolean(),
});

/** Builds the wire form: Host always, keep-alive for 1.0 so the stream continues, chunked only on 1.1. */
function wire(spec: RequestSpec & { leadingEmptyLine: boolean; expectContinue: boolean }): Buffer {
  const headers: [string, string][] = [['Host', 'example.test'], ...spec.headers];
  if (spec.minor === 0) headers.push(['Connection', 'keep-alive']);
  if (spec.expectContinue) headers.push(['Expect', '100-continue']);
  const bytes = serializeRequest({ ...spec, headers, chunked: spec.chunked && spec.minor === 1 }, 5);
  return spec.leadingEmptyLine ? Buffer.concat([Buffer.from('\r\n'), bytes]) : bytes;
}

const cutsArb = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constant([-1]) }, // marker: one byte per chunk
);

function chunksOf(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  if (cuts.length === 1 && cuts[0] === -1) return [...bytes].map((b) => Buffer.from([b]));
  return splitAtFractions(bytes, cuts);
}

/** Feeds chunks to a fresh session; copies each chunk into a scratch buffer that is then
 *  scribbled over, as a driver reusing its read buffer would. */
function feed(chunks: Buffer[], limits?: Partial<HttpLimits>, afterEach?: (buffered: number) => void, handler?: Handler) {
  const session = newSession(handler, limits);
  const out: Buffer[] = [];
  let close = false;
  for (const chunk of chunks) {
    const scratch = Buffer.from(chunk);
    const result = session.receive(scratch);
    scratch.fill(0x7e);
    out.push(...result.data);
    afterEach?.(session.bufferedBytes);
    if (result.close) {
      close = true;
      break;
    }
  }
  return { bytes: Buffer.concat(out), close, session };
}

// ---------- 1. split invariance on valid streams (with the round trip of property 3) ----------

describe('property: any split of a valid request stream', () => {
  it('yields the same requests and byte-identical output', () => {
    fc.assert(
      fc.property(fc.array(requestArb, { minLength: 1, maxLength: 5 }), cutsArb, (specs, cuts) => {
        const stream = Buffer.concat(specs.map(wire));
        const whole = feed([stream]);
        const pieces = feed(chunksOf(stream, cuts));
        expect(pieces.bytes.equals(whole.bytes)).toBe(true);
        expect(pieces.close).toBe(whole.close);

        // Every request arrives exactly as the test side serialized it.
        const finals = parseResponses(whole.bytes, (i) => specs[i]?.method === 'HEAD').filter((r) => r.status >= 200);
        expect(finals).toHaveLength(specs.length);
        finals.forEach((response, i) => {
          const spec = must(specs[i], 'a spec for every response'); // lengths checked just above
          if (!isRecognisedMethod(spec.method)) {
            // The engine answers it (the method made it through intact), the handler never sees it.
            expect(response.status).toBe(501);
            expect(errorOf(response)).toBe(`request method "${spec.method}" is not recognised`);
            return;
          }
          expect(response.status).toBe(200);
          if (spec.method === 'HEAD') return; // no body to read the echo from
          const echo = echoOf(response);
          const originForm = spec.target.replace(/^http:\/\/[^/?]*/, '');
          const q = originForm.indexOf('?');
          expect(echo).toMatchObject({
            method: spec.method,
            target: spec.target,
            path: (q === -1 ? originForm : originForm.slice(0, q)) || '/',
            query: q === -1 ? '' : originForm.slice(q + 1),
            minor: spec.minor,
            body: spec.body.toString('latin1'),
          });
          const sent = echo.headers.filter(([n]) => n.startsWith('x-'));
          expect(sent).toEqual(spec.headers.map(([n, v]) => [n.toLowerCase(), v]));
        });
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------- 2. arbitrary bytes ----------

const SMALL_LIMITS: HttpLimits = { maxRequestLineBytes: 48, maxHeaderBytes: 96, maxHeaderCount: 4, maxBodyBytes: 32 };
const FRAGMENTS = [
  'GET',
  'POST',
  'HEAD',
  ' ',
  '  ',
  '/',
  '/a?b',
  'http://h/x',
  'HTTP/1.1',
  'HTTP/1.0',
  'HTTP/2.0',
  'HTTP/1.9',
  '\r\n',
  '\r\n\r\n',
  '\r',
  '\n',
  ':',
  ': ',
  'Host: h',
  'Content-Length: ',
  'Transfer-Encoding: chunked',
  'Transfer-Encoding: gzip',
  'Connection: close',
  'Connection: keep-alive',
  'Expect: 100-continue',
  '0',
  '5',
  '10',
  'ff',
  ';x=y',
  '"q"',
  'abc',
  '\t',
  '\0',
];
const noiseArb = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...FRAGMENTS).map((s) => Buffer.from(s, 'latin1')) },
      { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a)) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 120 }).map((n) => Buffer.alloc(n, 0x61)) },
    ),
    { maxLength: 60 },
  )
  .map((parts) => Buffer.concat(parts));

const bodyless: Handler = () => ({ status: 200 });
const ENGINE_STATUSES = new Set([100, 200, 400, 408, 413, 414, 431, 501, 505]);
const BUFFER_BOUND = Math.max(SMALL_LIMITS.maxRequestLineBytes, SMALL_LIMITS.maxHeaderBytes, MAX_CHUNK_LINE_BYTES) + 2;

describe('property: arbitrary bytes', () => {
  it('never throw, stay bounded, answer only well-formed responses, independent of the split', () => {
    fc.assert(
      fc.property(noiseArb, cutsArb, (bytes, cuts) => {
        const check = (buffered: number) => expect(buffered).toBeLessThanOrEqual(BUFFER_BOUND);
        const whole = feed([bytes], SMALL_LIMITS, check, bodyless);
        const pieces = feed(chunksOf(bytes, cuts), SMALL_LIMITS, check, bodyless);
        expect(pieces.bytes.equals(whole.bytes)).toBe(true);
        expect(pieces.close).toBe(whole.close);
        // The handler answers an empty 200, so HEAD and GET answers look alike to the parser. An
        // error to a HEAD request has headers only: a head that ends the output is read so.
        const responses = parseResponses(whole.bytes, (_i, left) => left === 0);
        for (const r of responses) expect(ENGINE_STATUSES.has(r.status)).toBe(true);
        // A 501 that keeps the connection answers a complete request with an unrecognised method.
        const unrecognised = responses.filter((r) => r.status === 501 && header(r, 'connection') !== 'close');
        for (const r of unrecognised) expect(errorOf(r)).toMatch(/^request method ".+" is not recognised$/);
        const errors = responses.filter((r) => r.status >= 400 && !unrecognised.includes(r));
        expect(errors.length).toBeLessThanOrEqual(1);
        if (errors.length === 1) {
          expect(whole.close).toBe(true);
          const error = must(errors[0], 'the error response'); // errors.length === 1
          if (error.body.length === 0 && header(error, 'content-length') !== '0') {
            expect(bytes.includes('HEAD '), 'only an error to HEAD has no body').toBe(true);
          } else {
            expect(JSON.parse(error.body.toString())).toHaveProperty('error');
          }
        }
        // Whatever state it is left in, EOF and timeout still behave.
        const end = whole.session.timeout();
        expect(end.close).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

// ---------- 3. response round trip ----------

const responseArb: fc.Arbitrary<HttpResponse> = fc.oneof(
  fc.record({
    status: fc.oneof(
      fc.constantFrom(200, 201, 400, 404, 405, 409, 500, 503),
      fc.integer({ min: 200, max: 599 }).filter((s) => s !== 204 && s !== 304),
    ),
    headers: fc.array(
      fc.tuple(
        tokenArb.map((t) => `x-${t.toLowerCase()}`),
        fieldValueArb,
      ),
      { maxLength: 4 },
    ),
    body: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)),
    ),
  }),
  fc.record({ status: fc.constantFrom(204, 304), headers: fc.constant([]) }),
);

describe('property: engine responses parse back', () => {
  it('with the same status, headers and body (and no body for HEAD)', () => {
    fc.assert(
      fc.property(responseArb, fc.boolean(), fc.constantFrom('none', 'close', 'keep-alive' as const), (response, head, connection) => {
        const bytes = serializeResponse(response, { date: FROZEN_DATE, omitBody: head, connection });
        const [parsed, ...rest] = parseResponses(bytes, () => head);
        expect(rest).toHaveLength(0);
        expect(parsed!.status).toBe(response.status);
        const body = Buffer.from(response.body ?? '');
        expect(parsed!.body.equals(head ? Buffer.alloc(0) : body)).toBe(true);
        const own = parsed!.headers.filter(([n]) => n.startsWith('x-'));
        expect(own).toEqual(response.headers);
        expect(parsed!.headers.find(([n]) => n === 'date')?.[1]).toBe(FROZEN_DATE);
        if (response.status !== 204 && response.status !== 304) {
          expect(parsed!.headers.find(([n]) => n === 'content-length')?.[1]).toBe(String(body.length));
        }
        expect(parsed!.headers.find(([n]) => n === 'connection')?.[1]).toBe(connection === 'none' ? undefined : connection);
      }),
      { numRuns: RUNS },
    );
  });
});
