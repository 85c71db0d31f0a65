// Limits (HttpLimits): exactly at the limit is accepted, one byte/field past it is rejected.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HTTP_LIMITS, MAX_CHUNK_LINE_BYTES, resolveLimits } from '../../servers/http/index.js';
import { echoOf, exchange, newSession, rejection, run } from './support.js';

/** A request line of exactly n bytes (CRLF excluded). */
function requestLineOf(n: number): string {
  const fixed = 'GET / HTTP/1.1'.length;
  return `GET /${'a'.repeat(n - fixed)} HTTP/1.1`;
}

/** Field lines whose bytes (each with its CRLF) add up to exactly n, Host first. */
function headerSectionOf(n: number): string {
  const host = 'Host: h\r\n';
  const filler = n - host.length - 'X: \r\n'.length;
  return host + `X: ${'v'.repeat(filler)}\r\n`;
}

describe('defaults', () => {
  it('are 8 KiB request line, 16 KiB header section, 100 fields, 1 MiB body', () => {
    expect(DEFAULT_HTTP_LIMITS).toEqual({ maxRequestLineBytes: 8192, maxHeaderBytes: 16384, maxHeaderCount: 100, maxBodyBytes: 1048576 });
  });

  it('reject limits that are not positive whole numbers', () => {
    expect(() => resolveLimits({ maxBodyBytes: 0 })).toThrow(/maxBodyBytes must be a positive whole number/);
    expect(() => resolveLimits({ maxHeaderCount: 1.5 })).toThrow(RangeError);
    expect(resolveLimits({ maxBodyBytes: 5 })).toEqual({ ...DEFAULT_HTTP_LIMITS, maxBodyBytes: 5 });
  });
});

describe('request line length (414)', () => {
  for (const limit of [32, 8192]) {
    it(`accepts exactly ${limit} bytes and rejects ${limit + 1}`, () => {
      expect(exchange(`${requestLineOf(limit)}\r\nHost: h\r\n\r\n`, { maxRequestLineBytes: limit }).response.status).toBe(200);
      expect(rejection(`${requestLineOf(limit + 1)}\r\nHost: h\r\n\r\n`, { maxRequestLineBytes: limit })).toEqual([
        414,
        `request line is longer than ${limit} bytes`,
        true,
      ]);
    });
  }

  it('rejects as soon as the limit is passed, without waiting for the line end', () => {
    const session = newSession(undefined, { maxRequestLineBytes: 32 });
    // 33 bytes could still be 32 + CR; the 34th byte settles it.
    expect(run(session, ['GET /' + 'a'.repeat(28)]).close).toBe(false);
    const { bytes, close } = run(session, ['a']);
    expect(close).toBe(true);
    expect(bytes.toString('latin1')).toContain('414 URI Too Long');
  });
});

describe('header section size and count (431)', () => {
  for (const limit of [64, 16384]) {
    it(`accepts a ${limit}-byte header section and rejects ${limit + 1}`, () => {
      const ok = `GET / HTTP/1.1\r\n${headerSectionOf(limit)}\r\n`;
      expect(exchange(ok, { maxHeaderBytes: limit }).response.status).toBe(200);
      const over = `GET / HTTP/1.1\r\n${headerSectionOf(limit + 1)}\r\n`;
      expect(rejection(over, { maxHeaderBytes: limit })).toEqual([431, `header section is larger than ${limit} bytes`, true]);
    });
  }

  it('rejects a header section that never ends once it passes the limit', () => {
    const session = newSession(undefined, { maxHeaderBytes: 64 });
    const { bytes, close } = run(session, ['GET / HTTP/1.1\r\nHost: h\r\nX: ' + 'v'.repeat(100)]);
    expect(close).toBe(true);
    expect(bytes.toString('latin1')).toContain('431 Request Header Fields Too Large');
  });

  it('accepts exactly maxHeaderCount fields and rejects one more', () => {
    const fields = (n: number) => 'Host: h\r\n' + Array.from({ length: n - 1 }, (_, i) => `X-${i}: ${i}\r\n`).join('');
    expect(exchange(`GET / HTTP/1.1\r\n${fields(5)}\r\n`, { maxHeaderCount: 5 }).response.status).toBe(200);
    expect(rejection(`GET / HTTP/1.1\r\n${fields(6)}\r\n`, { maxHeaderCount: 5 })).toEqual([431, 'more than 5 header fields', true]);
    expect(exchange(`GET / HTTP/1.1\r\n${fields(100)}\r\n`).response.status).toBe(200);
    expect(rejection(`GET / HTTP/1.1\r\n${fields(101)}\r\n`)).toEqual([431, 'more than 100 header fields', true]);
  });

  it('applies the same limits to a chunked trailer section', () => {
    const post = (trailers: string) => `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n${trailers}\r\n`;
    expect(exchange(post('A: 1\r\nB: 2\r\n'), { maxHeaderCount: 2 }).response.status).toBe(200);
    expect(rejection(post('A: 1\r\nB: 2\r\nC: 3\r\n'), { maxHeaderCount: 2 })).toEqual([431, 'more than 2 trailer fields', true]);
    expect(rejection(post(`A: ${'v'.repeat(64)}\r\n`), { maxHeaderBytes: 64 })).toEqual([
      431,
      'trailer section is larger than 64 bytes',
      true,
    ]);
  });
});

describe('body size (413)', () => {
  const withLength = (n: number) => `POST / HTTP/1.1\r\nHost: h\r\nContent-Length: ${n}\r\n\r\n${'b'.repeat(n)}`;
  const chunked = (sizes: number[]) =>
    'POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n' +
    sizes.map((n) => `${n.toString(16)}\r\n${'b'.repeat(n)}\r\n`).join('') +
    '0\r\n\r\n';

  it('accepts a Content-Length body of exactly the limit and rejects one byte more', () => {
    expect(echoOf(exchange(withLength(10), { maxBodyBytes: 10 }).response).body).toBe('b'.repeat(10));
    expect(rejection(withLength(11), { maxBodyBytes: 10 })).toEqual([413, 'request body is larger than 10 bytes', true]);
  });

  it('defaults to 1 MiB', () => {
    expect(exchange(withLength(1048576)).response.status).toBe(200);
    expect(rejection(withLength(1048577))).toEqual([413, 'request body is larger than 1048576 bytes', true]);
  });

  it('rejects a huge Content-Length without waiting for the body', () => {
    expect(rejection('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n')[0]).toBe(413);
  });

  it('counts the de-chunked size: exactly the limit passes, one more byte fails', () => {
    expect(echoOf(exchange(chunked([4, 6]), { maxBodyBytes: 10 }).response).body).toBe('b'.repeat(10));
    expect(rejection(chunked([4, 7]), { maxBodyBytes: 10 })).toEqual([413, 'request body is larger than 10 bytes', true]);
    expect(rejection(chunked([]).replace('0\r\n\r\n', 'fffffffffffffffffffffff\r\n'), { maxBodyBytes: 10 })[0]).toBe(413);
  });

  it(`caps a chunk size line at ${MAX_CHUNK_LINE_BYTES} bytes`, () => {
    const line = (n: number) => `1;x=${'e'.repeat(n - 4)}`;
    const post = (n: number) => `POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n${line(n)}\r\nb\r\n0\r\n\r\n`;
    expect(exchange(post(MAX_CHUNK_LINE_BYTES)).response.status).toBe(200);
    expect(rejection(post(MAX_CHUNK_LINE_BYTES + 1))).toEqual([400, `chunk size line is longer than ${MAX_CHUNK_LINE_BYTES} bytes`, true]);
  });
});
