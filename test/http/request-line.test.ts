// Request line rules (RFC 9112 §3): method, target forms, version, separators, bad bytes.
import { describe, expect, it } from 'vitest';
import { echoOf, errorOf, exchange, header, rejection } from './support.js';

const HOST = 'Host: example\r\n';

describe('request line: accepted forms', () => {
  it('parses origin-form with path and query', () => {
    const echo = echoOf(exchange(`GET /a/b%20c?x=1&y=/?z HTTP/1.1\r\n${HOST}\r\n`).response);
    expect(echo).toMatchObject({ method: 'GET', target: '/a/b%20c?x=1&y=/?z', path: '/a/b%20c', query: 'x=1&y=/?z', minor: 1 });
  });

  it('parses absolute-form, taking path and query from the target', () => {
    const echo = echoOf(exchange(`GET http://example:8080/keys/a?x=1 HTTP/1.1\r\n${HOST}\r\n`).response);
    expect(echo).toMatchObject({ target: 'http://example:8080/keys/a?x=1', path: '/keys/a', query: 'x=1' });
  });

  it('reads an absolute-form target without a path as "/"', () => {
    expect(echoOf(exchange(`GET HTTPS://example HTTP/1.1\r\n${HOST}\r\n`).response)).toMatchObject({ path: '/', query: '' });
    expect(echoOf(exchange(`GET http://example?q HTTP/1.1\r\n${HOST}\r\n`).response)).toMatchObject({ path: '/', query: 'q' });
  });

  it('passes registered methods, standard or extension, to the handler', () => {
    for (const method of ['GET', 'OPTIONS', 'PATCH', 'PROPFIND', 'VERSION-CONTROL']) {
      expect(echoOf(exchange(`${method} / HTTP/1.1\r\n${HOST}\r\n`).response).method).toBe(method);
    }
  });

  it('answers a method outside the registry 501 itself and keeps the connection (RFC 9110 §9.1, §15.6.2)', () => {
    // Case-sensitive: "get" is not GET. PURGE is a common extension, but not registered.
    for (const method of ['get', 'PURGE', 'BREW', '*']) {
      const { responses, result } = exchange(`${method} / HTTP/1.1\r\n${HOST}Content-Length: 2\r\n\r\nhiGET /next HTTP/1.1\r\n${HOST}\r\n`);
      expect(responses.map((r) => r.status)).toEqual([501, 200]);
      expect(errorOf(responses[0])).toBe(`request method "${method}" is not recognised`);
      expect(header(responses[0], 'connection')).toBeUndefined();
      expect(echoOf(responses[1]).path).toBe('/next');
      expect(result.close).toBe(false);
    }
  });

  it('never calls the handler for an unrecognised method, and closes after it when asked to', () => {
    let calls = 0;
    const { responses, result } = exchange(`BREW / HTTP/1.0\r\n\r\n`, undefined, () => {
      calls++;
      return { status: 200 };
    });
    expect(calls).toBe(0);
    expect(responses.map((r) => r.status)).toEqual([501]);
    expect(result.close).toBe(true);
  });

  it('skips empty lines before the request line (RFC 9112 §2.2)', () => {
    const { responses } = exchange(`\r\n\r\nGET /x HTTP/1.1\r\n${HOST}\r\n`);
    expect(responses).toHaveLength(1);
    expect(echoOf(responses[0]).path).toBe('/x');
  });

  it('serves a higher HTTP/1.x minor as HTTP/1.1 (RFC 9110 §6.2)', () => {
    const { response, result } = exchange(`GET / HTTP/1.7\r\n${HOST}\r\n`);
    expect(response.version).toBe('HTTP/1.1');
    expect(echoOf(response).minor).toBe(1);
    expect(result.close).toBe(false);
  });

  it('serves HTTP/1.0 with minor 0 and answers with an HTTP/1.1 status line', () => {
    const { response } = exchange('GET / HTTP/1.0\r\n\r\n');
    expect(response.version).toBe('HTTP/1.1');
    expect(echoOf(response).minor).toBe(0);
  });
});

describe('request line: rejected', () => {
  it.each([
    ['HTTP/2.0', 'HTTP/2.0 is not supported (only HTTP/1.x)'],
    ['HTTP/0.9', 'HTTP/0.9 is not supported (only HTTP/1.x)'],
    ['HTTP/3.1', 'HTTP/3.1 is not supported (only HTTP/1.x)'],
  ])('answers 505 for %s', (version, reason) => {
    expect(rejection(`GET / ${version}\r\n${HOST}\r\n`)).toEqual([505, reason, true]);
  });

  it.each([
    ['GET / http/1.1', 'HTTP version is malformed (expected HTTP/1.1 or HTTP/1.0)'],
    ['GET / HTTP/1.10', 'HTTP version is malformed (expected HTTP/1.1 or HTTP/1.0)'],
    ['GET / HTTP/1', 'HTTP version is malformed (expected HTTP/1.1 or HTTP/1.0)'],
    ['GET /', 'request line has no HTTP version'],
    ['GET', 'request line has no request target'],
    ['GET  / HTTP/1.1', 'request line must separate its parts with single spaces'],
    ['GET / x HTTP/1.1', 'request line must separate its parts with single spaces'],
    [' GET / HTTP/1.1', 'request line starts with a space'],
    ['GE(T / HTTP/1.1', 'request method contains an invalid character'],
    ['G\u00c9T / HTTP/1.1', 'request method contains an invalid character'],
    ['GET /a|b HTTP/1.1', 'request target contains an invalid character'],
    ['GET /a#frag HTTP/1.1', 'request target contains an invalid character'],
    ['GET /\u00e9 HTTP/1.1', 'request target contains an invalid character'],
    ['GET /a%2 HTTP/1.1', 'request target has a malformed percent-encoding'],
    ['GET /a%zz HTTP/1.1', 'request target has a malformed percent-encoding'],
    ['GET a/b HTTP/1.1', 'request target must be origin-form (/path) or absolute-form (http://host/path)'],
    ['CONNECT example:443 HTTP/1.1', 'absolute-form request target must have an authority (scheme://host)'],
    ['OPTIONS * HTTP/1.1', 'asterisk-form request target (*) is not supported'],
    ['GET ftp://example/ HTTP/1.1', 'request target scheme must be http or https, not "ftp"'],
    ['GET http://user@example/ HTTP/1.1', 'request target must not contain userinfo (user@host)'],
    ['GET http:///x HTTP/1.1', 'absolute-form request target has an empty host'],
    ['GET http://ex{ample/ HTTP/1.1', 'request target host contains an invalid character'],
    ['GET /\0 HTTP/1.1', 'request line contains a NUL byte'],
    ['GET /\r HTTP/1.1', 'request line contains a bare CR'],
    ['GET\t/ HTTP/1.1', 'request line contains a control character'],
    ['', 'request line ends with a bare LF'],
  ])('answers 400 for %j', (line, reason) => {
    const raw = line === '' ? '\n' : `${line}\r\n${HOST}\r\n`;
    expect(rejection(raw)).toEqual([400, reason, true]);
  });

  it('rejects a request line ending in a bare LF', () => {
    expect(rejection(`GET / HTTP/1.1\n${HOST}\r\n`)).toEqual([400, 'request line ends with a bare LF', true]);
  });

  it('rejects a bare CR before the request line', () => {
    expect(rejection(`\rGET / HTTP/1.1\r\n${HOST}\r\n`)).toEqual([400, 'request line contains a bare CR', true]);
  });
});
