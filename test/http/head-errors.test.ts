// Engine errors to a HEAD request carry no body (RFC 9110 §9.3.2): the client reads none, so
// body bytes would be taken for the start of the next response. The headers are those the same
// error to a GET gets, Content-Length of the JSON body included.
import { describe, expect, it } from 'vitest';
import type { HttpLimits } from '../../servers/http/index.js';
import { echoHandler, errorOf, header, newSession, parseResponses, run, type ParsedResponse } from './support.js';

const badLength = (method: string) => `${method} /keys/a HTTP/1.1\r\nHost: h\r\nContent-Length: zz\r\n\r\n`;

/** Sends `raw` to a fresh session in one chunk (exchange() would parse every answer as a GET's). */
const exchange = (raw: string, limits?: Partial<HttpLimits>) => ({ result: run(newSession(echoHandler, limits), [raw]) });

/** Parses `bytes` as exactly these responses, the ones flagged answering HEAD (no body). */
function exactly(bytes: Buffer, heads: boolean[]): ParsedResponse[] {
  const responses = parseResponses(bytes, (i) => heads[i] ?? false);
  expect(responses).toHaveLength(heads.length);
  return responses;
}

describe('errors to HEAD', () => {
  it('answer a malformed Content-Length with the GET error headers and no body, then close', () => {
    const get = exchange(badLength('GET'));
    const head = exchange(badLength('HEAD'));
    const [getError] = exactly(get.result.bytes, [false]);
    const [headError] = exactly(head.result.bytes, [true]);
    expect(headError!.status).toBe(400);
    expect(headError!.body.length).toBe(0);
    expect(head.result.bytes.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
    expect(headError!.headers).toEqual(getError!.headers);
    expect(header(headError!, 'content-length')).toBe(String(getError!.body.length));
    expect(header(headError!, 'connection')).toBe('close');
    expect(head.result.close).toBe(true);
    expect(errorOf(getError!)).toBe('Content-Length value is not a valid number');
  });

  it('answer a HEAD without Host with headers only', () => {
    const { result } = exchange('HEAD /health HTTP/1.1\r\n\r\n');
    const [response] = exactly(result.bytes, [true]);
    expect(response!.status).toBe(400);
    expect(Number(header(response!, 'content-length'))).toBeGreaterThan(0);
  });

  it('are safe behind pipelined requests: a GET keeps its body, the HEAD error has none, nothing follows', () => {
    const session = newSession();
    const { bytes, close } = run(session, [
      'GET /ok HTTP/1.1\r\nHost: h\r\n\r\n' + badLength('HEAD') + 'GET /never HTTP/1.1\r\nHost: h\r\n\r\n',
    ]);
    const [ok, error] = exactly(bytes, [false, true]);
    expect(ok!.status).toBe(200);
    expect(ok!.body.length).toBeGreaterThan(0);
    expect(error!.status).toBe(400);
    expect(close).toBe(true);
  });

  it.each([
    ['a bad target after the method', 'HEAD /a%zz HTTP/1.1\r\nHost: h\r\n\r\n', 400],
    ['an unsupported version', 'HEAD / HTTP/2.0\r\nHost: h\r\n\r\n', 505],
    ['a request line over the limit', `HEAD /${'a'.repeat(100)} HTTP/1.1\r\nHost: h\r\n\r\n`, 414],
    ['a bad header line', 'HEAD / HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n', 400],
    ['a malformed chunked body', 'HEAD / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n', 400],
    ['a body over the limit', 'HEAD / HTTP/1.1\r\nHost: h\r\nContent-Length: 999\r\n\r\n', 413],
  ])('answer %s with headers only', (_what, raw, status) => {
    const { result } = exchange(raw, { maxRequestLineBytes: 64, maxBodyBytes: 100 });
    const [response] = exactly(result.bytes, [true]);
    expect(response!.status).toBe(status);
    expect(result.close).toBe(true);
  });

  it('keep the body when the method token has not arrived (nothing says the client sent HEAD)', () => {
    const { result } = exchange('HE\u0001AD / HTTP/1.1\r\nHost: h\r\n\r\n');
    const [response] = exactly(result.bytes, [false]);
    expect(response!.body.length).toBeGreaterThan(0);
    expect(exactly(exchange('\nHEAD / HTTP/1.1\r\n').result.bytes, [false])[0]?.body.length).toBeGreaterThan(0);
  });

  it('answer a 408 to a HEAD under way with headers only, once its method token has arrived', () => {
    const mid = newSession();
    mid.receive(Buffer.from('HEAD /k HTTP/1.1\r\nHo'));
    expect(exactly(Buffer.concat(mid.timeout().data), [true])[0]?.status).toBe(408);
    const inLine = newSession();
    inLine.receive(Buffer.from('HEAD /k'));
    expect(exactly(Buffer.concat(inLine.timeout().data), [true])[0]?.status).toBe(408);
    const tooEarly = newSession();
    tooEarly.receive(Buffer.from('HEA'));
    expect(exactly(Buffer.concat(tooEarly.timeout().data), [false])[0]?.body.length).toBeGreaterThan(0);
  });

  it('give the same bytes however the request is split', () => {
    const raw = 'GET /ok HTTP/1.1\r\nHost: h\r\n\r\n' + badLength('HEAD');
    const whole = run(newSession(), [raw]).bytes;
    for (let cut = 1; cut < raw.length; cut++) {
      expect(run(newSession(), [raw.slice(0, cut), raw.slice(cut)]).bytes.equals(whole), `cut at ${cut}`).toBe(true);
    }
  });
});
