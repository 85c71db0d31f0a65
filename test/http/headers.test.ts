// Header field rules (RFC 9110 §5, RFC 9112 §5): names, values, folding, Host.
import { describe, expect, it } from 'vitest';
import { echoOf, exchange, rejection } from './support.js';

const req = (fields: string, line = 'GET / HTTP/1.1') => `${line}\r\n${fields}\r\n`;

describe('header fields: accepted', () => {
  it('lower-cases names, trims OWS around values, keeps arrival order and duplicates', () => {
    const echo = echoOf(exchange(req('Host: h\r\nX-Thing:\t a  b \t\r\nACCEPT: */*\r\nx-thing: 2\r\n')).response);
    expect(echo.headers).toEqual([
      ['host', 'h'],
      ['x-thing', 'a  b'],
      ['accept', '*/*'],
      ['x-thing', '2'],
    ]);
  });

  it('accepts an empty value and obs-text bytes in a value', () => {
    const echo = echoOf(exchange(req('Host: h\r\nX-Empty:\r\nX-Latin: caf\u00e9\r\n')).response);
    expect(echo.headers).toEqual([
      ['host', 'h'],
      ['x-empty', ''],
      ['x-latin', 'caf\u00e9'],
    ]);
  });

  it('accepts an empty Host, and a host with a port', () => {
    expect(exchange(req('Host:\r\n')).response.status).toBe(200);
    expect(exchange(req('Host: [::1]:8080\r\n')).response.status).toBe(200);
  });

  it('does not require Host from an HTTP/1.0 request', () => {
    expect(exchange(req('', 'GET / HTTP/1.0')).response.status).toBe(200);
  });
});

describe('header fields: rejected with 400', () => {
  it.each([
    ['Host: h\r\nX-A : 1\r\n', 'whitespace between header name and colon is not allowed'],
    ['Host: h\r\nX-A\t: 1\r\n', 'whitespace between header name and colon is not allowed'],
    ['Host: h\r\nX-A: 1\r\n  continued\r\n', 'obsolete line folding (obs-fold) is not allowed'],
    ['Host: h\r\nX-A: 1\r\n\tcontinued\r\n', 'obsolete line folding (obs-fold) is not allowed'],
    ['Host: h\r\nX(A): 1\r\n', 'header name contains an invalid character'],
    ['Host: h\r\nX A: 1\r\n', 'header name contains an invalid character'],
    ['Host: h\r\nX\u00e9: 1\r\n', 'header name contains an invalid character'],
    ['Host: h\r\n: 1\r\n', 'header name is empty'],
    ['Host: h\r\nNoColon\r\n', 'header line has no colon'],
    ['Host: h\r\nX-A: a\0b\r\n', 'header value contains a NUL byte'],
    ['Host: h\r\nX-A: a\rb\r\n', 'header value contains a bare CR'],
    ['Host: h\r\nX-A: a\x7fb\r\n', 'header value contains an invalid character'],
    ['Host: h\r\nX-A: a\x01b\r\n', 'header value contains an invalid character'],
    ['Host: h\r\nX-A\0: 1\r\n', 'header name contains a NUL byte'],
    ['Host: h\r\nX-A: 1\nX-B: 2\r\n', 'header line ends with a bare LF'],
    ['', 'HTTP/1.1 request has no Host header'],
    ['Host: a\r\nHost: a\r\n', 'more than one Host header'],
    ['Host: a b\r\n', 'Host header value is invalid'],
    ['Host: user@a\r\n', 'Host header value is invalid'],
  ])('%j', (fields, reason) => {
    expect(rejection(req(fields))).toEqual([400, reason, true]);
  });

  it('rejects several Host fields in HTTP/1.0 too', () => {
    expect(rejection(req('Host: a\r\nHost: b\r\n', 'GET / HTTP/1.0'))).toEqual([400, 'more than one Host header', true]);
  });
});
