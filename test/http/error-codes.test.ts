// The named engine errors (error-codes.ts): one table of code -> status, reason, close, and the
// ProtocolError the parser raises carries its code.
import { describe, expect, it } from 'vitest';
import { ENGINE_ERRORS, ProtocolError, RequestParser, reasonOf, type EngineErrorCode } from '../../servers/http/index.js';
import { newSession } from './support.js';

const codes = Object.keys(ENGINE_ERRORS) as EngineErrorCode[];

/** The first error the parser reports for `raw`. */
function parseError(raw: string, limits?: ConstructorParameters<typeof RequestParser>[0]): ProtocolError {
  const parser = new RequestParser(limits);
  parser.push(Buffer.from(raw, 'latin1'));
  for (let e = parser.next(); e.type !== 'need-more'; e = parser.next()) {
    if (e.type === 'error') return e.error;
  }
  throw new Error('no error');
}

describe('engine error codes', () => {
  it('give every code a status the engine may send and a distinct, non-empty reason', () => {
    const reasons = new Set<string>();
    for (const code of codes) {
      const { status } = ENGINE_ERRORS[code];
      expect([400, 408, 413, 414, 431, 500, 501, 505], code).toContain(status);
      const reason = reasonOf(code, 'DETAIL');
      expect(reason.length, code).toBeGreaterThan(0);
      expect(reasons.has(reason), `${code} repeats another code's reason`).toBe(false);
      reasons.add(reason);
    }
  });

  it('close the connection for every parse error; not after a completely read request', () => {
    for (const code of codes) {
      const afterCompleteRequest = code === 'HANDLER_FAILED' || code === 'UNRECOGNISED_METHOD';
      expect(ENGINE_ERRORS[code].close, code).toBe(!afterCompleteRequest);
    }
  });

  it('fill a templated reason with its detail, and refuse to build one without it', () => {
    expect(new ProtocolError('REQUEST_LINE_TOO_LONG', 8192).reason).toBe('request line is longer than 8192 bytes');
    expect(new ProtocolError('TRANSFER_CODING_UNSUPPORTED', 'gzip').reason).toBe('transfer coding "gzip" is not supported');
    expect(() => new ProtocolError('BODY_TOO_LARGE')).toThrow(TypeError);
  });

  it.each([
    ['GE(T / HTTP/1.1\r\n', 'INVALID_METHOD', 400],
    ['GET / HTTP/2.0\r\nHost: h\r\n\r\n', 'UNSUPPORTED_VERSION', 505],
    ['GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n', 'HEADER_OBS_FOLD', 400],
    ['GET / HTTP/1.1\r\n\r\n', 'HOST_MISSING', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n', 'CONTENT_LENGTH_WITH_TRANSFER_ENCODING', 400],
    ['POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5;=\r\n', 'CHUNK_EXTENSION_INVALID', 400],
    [`GET /${'a'.repeat(40)} HTTP/1.1\r\n`, 'REQUEST_LINE_TOO_LONG', 414],
  ] as const)('names the rule %j broke: %s', (raw, code, status) => {
    const error = parseError(raw, { maxRequestLineBytes: 32 });
    expect(error).toBeInstanceOf(ProtocolError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.reason).toBe(reasonOf(code, error.detail));
  });

  it('are kept by the session that closed on one (session.protocolError), null otherwise', () => {
    const ok = newSession();
    ok.receive(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(ok.protocolError).toBeNull();
    const bad = newSession();
    bad.receive(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n'));
    expect(bad.protocolError?.code).toBe('CONTENT_LENGTH_INVALID');
    const slow = newSession();
    slow.receive(Buffer.from('GET / HT'));
    slow.timeout();
    expect(slow.protocolError?.code).toBe('REQUEST_TIMEOUT');
    const idle = newSession();
    idle.timeout();
    expect(idle.protocolError).toBeNull();
  });
});
