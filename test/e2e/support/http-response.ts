// Parsing raw HTTP/1.x responses as bytes (no HTTP client in between), so the tests see exactly
// what the server sent: status line, header fields in order, body framing.
import { must } from '../../../harness/must.js';

export interface ParsedResponse {
  /** e.g. "HTTP/1.1" */
  version: string;
  status: number;
  reason: string;
  /** Field lines in order, names lower-cased. */
  headers: Array<[string, string]>;
  body: Buffer;
  /** The exact bytes of this response. */
  raw: Buffer;
}

// header() and bodyJson() take `responses[i]` as it is (possibly undefined): a missing response
// fails the test with that message instead of needing an assertion at every call.

export function header(response: ParsedResponse | undefined, name: string): string | undefined {
  const lower = name.toLowerCase();
  return must(response, 'the response').headers.find(([n]) => n === lower)?.[1];
}

export function bodyJson(response: ParsedResponse | undefined): unknown {
  return JSON.parse(must(response, 'the response').body.toString('utf8'));
}

export interface ParseOptions {
  /** Whether the i-th response answers a HEAD request (it then has no body whatever it says). */
  isHead?: (index: number) => boolean;
  /** The connection was closed after these bytes: a response without length runs to the end. */
  complete?: boolean;
}

/** Parses as many whole responses as `bytes` holds; `rest` is what is left over. */
export function parseResponses(bytes: Buffer, options: ParseOptions = {}): { responses: ParsedResponse[]; rest: Buffer } {
  const responses: ParsedResponse[] = [];
  let offset = 0;
  for (;;) {
    const r = parseOne(bytes, offset, options.isHead?.(responses.length) ?? false, options.complete ?? false);
    if (r === null) break;
    responses.push(r.response);
    offset = r.end;
  }
  return { responses, rest: bytes.subarray(offset) };
}

/** Parses exactly one response that must fill `bytes` entirely. */
export function parseSingle(bytes: Buffer, isHead = false): ParsedResponse {
  const { responses, rest } = parseResponses(bytes, { isHead: () => isHead, complete: true });
  const [only] = responses;
  if (only === undefined || responses.length !== 1 || rest.length !== 0) {
    throw new Error(`expected exactly one response, got ${responses.length} and ${rest.length} stray bytes: ${show(bytes)}`);
  }
  return only;
}

function parseOne(bytes: Buffer, start: number, isHead: boolean, complete: boolean) {
  const headEnd = bytes.indexOf('\r\n\r\n', start);
  if (headEnd < 0) return null;
  const [statusLine = '', ...fieldLines] = bytes.subarray(start, headEnd).toString('latin1').split('\r\n');
  const [, version, code, reason] = /^(HTTP\/\d\.\d) (\d{3}) ?(.*)$/.exec(statusLine) ?? [];
  if (version === undefined || reason === undefined) throw new Error(`not a status line: ${JSON.stringify(statusLine)}`);
  const status = Number(code);
  const headers = fieldLines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new Error(`not a header field: ${JSON.stringify(line)}`);
    return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
  });
  const get = (name: string) => headers.find(([n]) => n === name)?.[1];
  const bodyStart = headEnd + 4;
  let end: number;
  let body: Buffer;
  if (isHead || (status >= 100 && status < 200) || status === 204 || status === 304) {
    end = bodyStart;
    body = Buffer.alloc(0);
  } else if (get('transfer-encoding')?.toLowerCase().includes('chunked')) {
    const chunks: Buffer[] = [];
    let at = bodyStart;
    for (;;) {
      const lineEnd = bytes.indexOf('\r\n', at);
      if (lineEnd < 0) return null;
      const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
      at = lineEnd + 2;
      if (size === 0) {
        const trailerEnd = bytes.indexOf('\r\n', at);
        if (trailerEnd < 0) return null;
        end = trailerEnd + 2;
        break;
      }
      if (bytes.length < at + size + 2) return null;
      chunks.push(bytes.subarray(at, at + size));
      at += size + 2;
    }
    body = Buffer.concat(chunks);
  } else if (get('content-length') !== undefined) {
    end = bodyStart + Number(get('content-length'));
    if (bytes.length < end) return null;
    body = bytes.subarray(bodyStart, end);
  } else {
    if (!complete) return null; // delimited by the close
    end = bytes.length;
    body = bytes.subarray(bodyStart);
  }
  return {
    response: { version, status, reason, headers, body, raw: bytes.subarray(start, end) },
    end,
  };
}

/** Replaces every Date field value with a fixed string of the same shape, so that two
 *  servers' responses can be compared byte for byte. */
export function maskDate(bytes: Buffer): string {
  return bytes.toString('latin1').replace(/\r\ndate: [^\r\n]*/gi, '\r\nDate: <masked>');
}

/** Bytes as a readable string for assertion messages. */
export function show(bytes: Buffer, max = 600): string {
  const s = JSON.stringify(bytes.subarray(0, max).toString('latin1'));
  return bytes.length > max ? `${s}... (${bytes.length} bytes)` : s;
}
