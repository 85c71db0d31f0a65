// Test helpers for the HTTP engine: sessions with a frozen clock, a handler that echoes the
// request back as JSON, a small response parser (independent of the engine's code), and a
// request serializer for round trips.
import { HttpSession } from '../../servers/http/index.js';
import type { Handler, HttpLimits, SessionOutput } from '../../servers/http/types.js';
import { must } from '../../harness/must.js';

export const FROZEN_NOW = Date.UTC(1994, 10, 6, 8, 49, 37, 250);
export const FROZEN_DATE = 'Sun, 06 Nov 1994 08:49:37 GMT';

/** Echoes the request (body as text) so tests can see exactly what the handler received. */
export const echoHandler: Handler = (request) => ({
  status: 200,
  headers: [['content-type', 'application/json']],
  body: JSON.stringify({
    method: request.method,
    target: request.target,
    path: request.path,
    query: request.query,
    minor: request.minor,
    headers: request.headers,
    body: request.body.toString('latin1'),
  }),
});

export interface Echo {
  method: string;
  target: string;
  path: string;
  query: string;
  minor: 0 | 1;
  headers: [string, string][];
  body: string;
}

export function newSession(handler: Handler = echoHandler, limits?: Partial<HttpLimits>): HttpSession {
  return new HttpSession(handler, limits, { now: () => FROZEN_NOW });
}

/** Feeds every chunk, then returns all output bytes and whether the session asked to close. */
export function run(session: HttpSession, chunks: (Buffer | string)[]): { bytes: Buffer; close: boolean; outputs: SessionOutput[] } {
  const outputs: SessionOutput[] = [];
  for (const chunk of chunks) {
    let out = session.receive(typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk);
    outputs.push(out);
    // A driver sends what it got and resumes until the buffered requests are all answered.
    while (out.more) {
      out = session.resume();
      outputs.push(out);
    }
  }
  return {
    bytes: Buffer.concat(outputs.flatMap((o) => o.data)),
    close: outputs.some((o) => o.close),
    outputs,
  };
}

export interface ParsedResponse {
  version: string;
  status: number;
  reason: string;
  /** Names lower-cased. */
  headers: [string, string][];
  body: Buffer;
}

/**
 * Splits a byte stream into responses. Written from RFC 9112 directly, not from the engine,
 * so it checks the engine rather than mirroring it. `bodiless(i, bytesLeft)` says final response i
 * answers a HEAD (Content-Length present, no body bytes); bytesLeft is what follows its head.
 * Throws on anything malformed or left over.
 */
export function parseResponses(bytes: Buffer, bodiless: (index: number, bytesLeft: number) => boolean = () => false): ParsedResponse[] {
  const text = bytes.toString('latin1');
  const out: ParsedResponse[] = [];
  let pos = 0;
  let finalIndex = 0;
  while (pos < text.length) {
    const headEnd = text.indexOf('\r\n\r\n', pos);
    if (headEnd === -1) throw new Error(`incomplete response head at ${pos}: ${JSON.stringify(text.slice(pos, pos + 80))}`);
    const [statusLine = '', ...fieldLines] = text.slice(pos, headEnd).split('\r\n');
    const [, version, code, reason] = /^(HTTP\/\d\.\d) (\d{3}) ([^\r\n]*)$/.exec(statusLine) ?? [];
    if (version === undefined || reason === undefined) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
    const headers: [string, string][] = fieldLines.map((line) => {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`bad header line ${JSON.stringify(line)}`);
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '')];
    });
    pos = headEnd + 4;
    const status = Number(code);
    let body = Buffer.alloc(0);
    if (status >= 200) {
      const lengths = headers.filter(([n]) => n === 'content-length');
      if (status !== 204 && status !== 304 && lengths.length !== 1) throw new Error(`response ${status} needs exactly one Content-Length`);
      const length = Number(lengths[0]?.[1] ?? 0);
      if (!bodiless(finalIndex, text.length - pos)) {
        if (pos + length > text.length) throw new Error('response body is truncated');
        body = Buffer.from(text.slice(pos, pos + length), 'latin1');
        pos += length;
      }
      finalIndex++;
    }
    out.push({ version, status, reason, headers, body });
  }
  return out;
}

// The readers below take `responses[i]` as it is (possibly undefined): a missing response fails
// the test with that message instead of needing an assertion at every call.

export function header(response: ParsedResponse | undefined, name: string): string | undefined {
  return must(response, 'the response').headers.find(([n]) => n === name)?.[1];
}

export function echoOf(response: ParsedResponse | undefined): Echo {
  return JSON.parse(must(response, 'the response').body.toString('utf8')) as Echo;
}

export function errorOf(response: ParsedResponse | undefined): string {
  const present = must(response, 'the response');
  requireJsonBody(present);
  return (JSON.parse(present.body.toString('utf8')) as { error: string }).error;
}

function requireJsonBody(response: ParsedResponse): void {
  if (header(response, 'content-type') !== 'application/json') {
    throw new Error(`expected a JSON body, got content-type ${header(response, 'content-type')}`);
  }
}

/** Sends `raw` to a fresh session in one chunk and returns the single (final) response. */
export function exchange(raw: string | Buffer, limits?: Partial<HttpLimits>, handler: Handler = echoHandler) {
  const session = newSession(handler, limits);
  const result = run(session, [raw]);
  const responses = parseResponses(result.bytes).filter((r) => r.status >= 200);
  return { session, result, responses, response: must(responses.at(-1), 'a final response') };
}

/** Sends a request the engine must reject; returns [status, reason, close]. */
export function rejection(raw: string | Buffer, limits?: Partial<HttpLimits>): [number, string, boolean] {
  const { response, result } = exchange(raw, limits);
  if (response === undefined) throw new Error('no response');
  return [response.status, errorOf(response), result.close];
}

export interface RequestSpec {
  method: string;
  target: string;
  minor: 0 | 1;
  headers: [string, string][];
  body: Buffer;
  /** Send the body chunked (with these chunk sizes, repeating the last) instead of Content-Length. */
  chunked?: boolean;
}

/** Serializes a request (test side; Content-Length or chunked framing added here). */
export function serializeRequest(spec: RequestSpec, chunkSize = 7): Buffer {
  let head = `${spec.method} ${spec.target} HTTP/1.${spec.minor}\r\n`;
  for (const [name, value] of spec.headers) head += `${name}: ${value}\r\n`;
  if (spec.chunked) {
    head += 'Transfer-Encoding: chunked\r\n\r\n';
    const parts: Buffer[] = [Buffer.from(head, 'latin1')];
    for (let i = 0; i < spec.body.length; i += chunkSize) {
      const piece = spec.body.subarray(i, i + chunkSize);
      parts.push(Buffer.from(`${piece.length.toString(16)};n=v\r\n`, 'latin1'), piece, Buffer.from('\r\n'));
    }
    parts.push(Buffer.from('0\r\nx-trailer: t\r\n\r\n', 'latin1'));
    return Buffer.concat(parts);
  }
  if (spec.body.length > 0) head += `Content-Length: ${spec.body.length}\r\n`;
  return Buffer.concat([Buffer.from(head + '\r\n', 'latin1'), spec.body]);
}

/** Cuts bytes at the given fractions of their length (deduplicated, sorted), as a driver might
 *  receive them: the property tests and the fuzz run both feed the engine this way. */
export function splitAtFractions(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of points) {
    if (p > from) chunks.push(bytes.subarray(from, p));
    from = Math.max(from, p);
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}
