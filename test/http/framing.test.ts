// Body framing (RFC 9112 §6, §7): Content-Length, chunked, the smuggling defence, 100-continue.
import { describe, expect, it } from 'vitest';
import { echoOf, exchange, newSession, parseResponses, rejection, run } from './support.js';

const post = (fields: string, body = '') => `POST /p HTTP/1.1\r\nHost: h\r\n${fields}\r\n${body}`;

describe('Content-Length', () => {
  it('reads exactly that many body bytes, then the next request', () => {
    const { responses } = exchange(post('Content-Length: 5\r\n', 'helloGET /next HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(responses.map((r) => echoOf(r).body)).toEqual(['hello', '']);
    expect(echoOf(responses[1]).path).toBe('/next');
  });

  it('accepts leading zeros, Content-Length: 0, and identical repeated values (RFC 9110 §8.6)', () => {
    expect(echoOf(exchange(post('Content-Length: 003\r\n', 'abc')).response).body).toBe('abc');
    expect(echoOf(exchange(post('Content-Length: 0\r\n')).response).body).toBe('');
    expect(echoOf(exchange(post('Content-Length: 3, 3\r\nContent-Length: 3\r\n', 'abc')).response).body).toBe('abc');
  });

  it.each([
    ['Content-Length: 3, 4\r\n', 'conflicting Content-Length values'],
    ['Content-Length: 3\r\nContent-Length: 4\r\n', 'conflicting Content-Length values'],
    ['Content-Length: -1\r\n', 'Content-Length value is not a valid number'],
    ['Content-Length: +3\r\n', 'Content-Length value is not a valid number'],
    ['Content-Length: 0x10\r\n', 'Content-Length value is not a valid number'],
    ['Content-Length: 1.0\r\n', 'Content-Length value is not a valid number'],
    ['Content-Length: \r\n', 'Content-Length value is not a valid number'],
    ['Content-Length: 1 2\r\n', 'Content-Length value is not a valid number'],
  ])('rejects %j with 400 and closes', (fields, reason) => {
    expect(rejection(post(fields, 'abcd'))).toEqual([400, reason, true]);
  });
});

describe('Transfer-Encoding', () => {
  it('de-chunks a body with chunk extensions and trailers, then reads the next request', () => {
    const body =
      '5;name=value;flag ; q="quoted \\" \\\\ text"\r\nhello\r\n' +
      '6\r\n world\r\n' +
      '0;last\r\nX-Checksum: abc\r\nX-More: 1\r\n\r\n' +
      'GET /next HTTP/1.1\r\nHost: h\r\n\r\n';
    const { responses } = exchange(post('Transfer-Encoding: chunked\r\n', body));
    expect(responses).toHaveLength(2);
    const echo = echoOf(responses[0]);
    expect(echo.body).toBe('hello world');
    // Trailers are validated but not merged into the header section (RFC 9110 §6.5.1).
    expect(echo.headers.map(([n]) => n)).toEqual(['host', 'transfer-encoding']);
    expect(echoOf(responses[1]).path).toBe('/next');
  });

  it('accepts upper-case hex sizes, leading zeros, and a case-insensitive coding name', () => {
    const body = '00A\r\n0123456789\r\n0\r\n\r\n';
    expect(echoOf(exchange(post('Transfer-Encoding: Chunked\r\n', body)).response).body).toBe('0123456789');
  });

  it('accepts an empty chunked body', () => {
    expect(echoOf(exchange(post('Transfer-Encoding: chunked\r\n', '0\r\n\r\n')).response).body).toBe('');
  });

  it('rejects Content-Length together with Transfer-Encoding (request smuggling defence)', () => {
    const reason = 'Content-Length and Transfer-Encoding together are not allowed';
    expect(rejection(post('Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', '0\r\n\r\n'))).toEqual([400, reason, true]);
    expect(rejection(post('Transfer-Encoding: chunked\r\nContent-Length: 5\r\n', '0\r\n\r\n'))).toEqual([400, reason, true]);
    expect(rejection(post('Transfer-Encoding: gzip\r\nContent-Length: 5\r\n', 'abcde'))).toEqual([400, reason, true]);
  });

  it.each([
    ['Transfer-Encoding: gzip, chunked\r\n', 'transfer coding "gzip" is not supported'],
    ['Transfer-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n', 'transfer coding "deflate" is not supported'],
    ['Transfer-Encoding: gzip;level=9, identity, chunked\r\n', 'transfer coding "gzip" is not supported'],
  ])('answers 501 for %j (ends in chunked: framing is sound, the coding unknown) and closes', (fields, reason) => {
    expect(rejection(post(fields, '0\r\n\r\n'))).toEqual([501, reason, true]);
  });

  it.each([
    'Transfer-Encoding: chunked, deflate\r\n',
    'Transfer-Encoding: gzip\r\n',
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n',
    'Transfer-Encoding: chunked;x=1, gzip\r\n',
  ])('answers 400 for %j: the final coding is not chunked, the length cannot be known (RFC 9112 §6.3)', (fields) => {
    expect(rejection(post(fields, '0\r\n\r\n'))).toEqual([400, 'the final transfer coding must be chunked', true]);
  });

  it.each([
    ['Transfer-Encoding: chunked, chunked\r\n', 'chunked must not be applied more than once'],
    ['Transfer-Encoding: gzip, chunked, chunked\r\n', 'chunked must not be applied more than once'],
    ['Transfer-Encoding: \r\n', 'Transfer-Encoding is empty'],
    ['Transfer-Encoding: chunked;x=1\r\n', 'the chunked transfer coding takes no parameters'],
    ['Transfer-Encoding: chu@nked\r\n', 'Transfer-Encoding value is malformed'],
  ])('answers 400 for %j and closes', (fields, reason) => {
    expect(rejection(post(fields, '0\r\n\r\n'))).toEqual([400, reason, true]);
  });

  it('rejects Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)', () => {
    const raw = 'POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n';
    expect(rejection(raw)).toEqual([400, 'Transfer-Encoding is not allowed in an HTTP/1.0 request', true]);
  });

  it.each([
    ['z\r\n', 'chunk size is not a hexadecimal number'],
    ['\r\n', 'chunk size is not a hexadecimal number'],
    ['5 \r\nhello\r\n0\r\n\r\n', 'chunk size line is malformed'],
    ['5x\r\nhello\r\n0\r\n\r\n', 'chunk size line is malformed'],
    ['5;\r\nhello\r\n0\r\n\r\n', 'chunk extension is malformed'],
    ['5;a=\r\nhello\r\n0\r\n\r\n', 'chunk extension is malformed'],
    ['5;a="open\r\nhello\r\n0\r\n\r\n', 'chunk extension is malformed'],
    ['5\nhello\r\n0\r\n\r\n', 'chunk size line ends with a bare LF'],
    ['5\r\nhelloX\r\n0\r\n\r\n', 'chunk data is not followed by CRLF'],
    ['5\r\nhello\r\n0\r\nBad Name: 1\r\n\r\n', 'header name contains an invalid character'],
    ['5\r\nhello\r\n0\r\nX: 1\n\r\n', 'trailer line ends with a bare LF'],
  ])('rejects the chunked body %j with 400', (body, reason) => {
    expect(rejection(post('Transfer-Encoding: chunked\r\n', body))).toEqual([400, reason, true]);
  });
});

describe('Expect: 100-continue', () => {
  it('sends 100 Continue once the head is in, before the body arrives', () => {
    const session = newSession();
    const first = run(session, [post('Expect: 100-continue\r\nContent-Length: 3\r\n')]);
    expect(first.bytes.toString('latin1')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    expect(session.phase).toBe('receiving');
    const rest = run(session, ['abc']);
    expect(echoOf(parseResponses(rest.bytes)[0]).body).toBe('abc');
  });

  it('sends 100 Continue before the final response even when the body came along', () => {
    const { result } = exchange(post('Expect: 100-CONTINUE\r\nTransfer-Encoding: chunked\r\n', '3\r\nabc\r\n0\r\n\r\n'));
    const responses = parseResponses(result.bytes);
    expect(responses.map((r) => r.status)).toEqual([100, 200]);
  });

  it('answers 413 and closes without 100 when Content-Length is already over the limit', () => {
    const { result, response } = exchange(post('Expect: 100-continue\r\nContent-Length: 11\r\n'), { maxBodyBytes: 10 });
    expect(result.bytes.toString('latin1')).not.toContain('100 Continue');
    expect(response.status).toBe(413);
    expect(result.close).toBe(true);
  });

  it('does not send 100 when there is no body, or to an HTTP/1.0 client (RFC 9110 §10.1.1)', () => {
    expect(parseResponses(exchange(post('Expect: 100-continue\r\n')).result.bytes).map((r) => r.status)).toEqual([200]);
    const raw10 = 'POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx';
    expect(parseResponses(exchange(raw10).result.bytes).map((r) => r.status)).toEqual([200]);
  });
});
