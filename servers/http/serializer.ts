// Response serializer: HttpResponse -> one Buffer holding head and body.
//
// The engine owns the framing fields (Date, Content-Length, Connection, Transfer-Encoding); a
// handler that sets them, sends a header that would split the response (CR/LF in a value) or a
// body with 204/304 has a bug, which is reported by throwing a TypeError (the session answers
// 500 instead). The head is built as one string and written with the body into a single
// allocation, so the driver does one write.
import { FIELD_VALUE_CHAR, TOKEN_CHAR } from './chars.js';
import { statusLine } from './status-codes.js';
import type { HttpResponse } from './types.js';

export const CONTINUE_RESPONSE: Buffer = Buffer.from('HTTP/1.1 100 Continue\r\n\r\n', 'latin1');

export type ConnectionHeader = 'none' | 'close' | 'keep-alive';

export interface SerializeOptions {
  /** IMF-fixdate for the Date field. */
  date: string;
  /** HEAD: every header as for GET (Content-Length included), no body bytes. */
  omitBody: boolean;
  /** What to say in Connection: nothing, "close", or "keep-alive" (HTTP/1.0 clients). */
  connection: ConnectionHeader;
}

const ENGINE_OWNED = new Set(['date', 'content-length', 'connection', 'transfer-encoding']);
const EMPTY = Buffer.alloc(0);

export function serializeResponse(response: HttpResponse, options: SerializeOptions): Buffer {
  const { status } = response;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw new TypeError(`response status must be a whole number from 200 to 599, got ${String(status)}`);
  }
  const body = response.body ?? EMPTY;
  let bodyLength: number;
  if (typeof body === 'string') bodyLength = Buffer.byteLength(body, 'utf8');
  else if (Buffer.isBuffer(body)) bodyLength = body.length;
  else throw new TypeError('response body must be a Buffer or a string');
  // RFC 9110 §15.3.5, §15.4.5: 204 and 304 never have content, and 204 no Content-Length.
  const bodiless = status === 204 || status === 304;
  if (bodiless && bodyLength > 0) throw new TypeError(`a ${status} response must not have a body`);

  let head = statusLine(status) + 'Date: ' + options.date + '\r\n';
  let hasContentType = false;
  const headers = response.headers;
  if (headers !== undefined) {
    for (let i = 0; i < headers.length; i++) {
      const [name, value] = headers[i]!;
      if (checkFieldName(name) === CONTENT_TYPE) hasContentType = true;
      checkFieldValue(name, value);
      head += name + ': ' + value + '\r\n';
    }
  }
  if (bodyLength > 0 && !hasContentType) {
    head += typeof body === 'string' ? 'Content-Type: text/plain; charset=utf-8\r\n' : 'Content-Type: application/octet-stream\r\n';
  }
  if (!bodiless) head += 'Content-Length: ' + bodyLength + '\r\n';
  if (options.connection === 'close') head += 'Connection: close\r\n';
  else if (options.connection === 'keep-alive') head += 'Connection: keep-alive\r\n';
  head += '\r\n';

  // Every head character is one latin1 byte (checked above), so head.length is its size.
  const sendBody = !options.omitBody && bodyLength > 0;
  const out = Buffer.allocUnsafe(head.length + (sendBody ? bodyLength : 0));
  out.write(head, 0, 'latin1');
  if (sendBody) {
    if (typeof body === 'string') out.write(body, head.length, 'utf8');
    else body.copy(out, head.length);
  }
  return out;
}

// Handlers use a handful of constant names, so a name is validated once and then looked up.
const NAME_OK = 1;
const CONTENT_TYPE = 2;
const checkedNames = new Map<string, number>();
const MAX_CHECKED_NAMES = 1024;

/** Throws for a name a handler must not send; returns CONTENT_TYPE for Content-Type. */
function checkFieldName(name: string): number {
  const known = checkedNames.get(name);
  if (known !== undefined) return known;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('response header name must be a non-empty string');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || TOKEN_CHAR[c] === 0) throw new TypeError(`response header name "${name}" is not a token`);
  }
  if (ENGINE_OWNED.has(name.toLowerCase())) {
    throw new TypeError(`response header "${name}" is set by the engine, not by handlers`);
  }
  const verdict = name.toLowerCase() === 'content-type' ? CONTENT_TYPE : NAME_OK;
  if (checkedNames.size < MAX_CHECKED_NAMES) checkedNames.set(name, verdict);
  return verdict;
}

function checkFieldValue(name: string, value: string): void {
  if (typeof value !== 'string') throw new TypeError(`response header "${name}" value must be a string`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || FIELD_VALUE_CHAR[c] === 0) {
      throw new TypeError(`response header "${name}" value contains a character that cannot be sent`);
    }
  }
  const last = value.length - 1;
  if (last >= 0 && (value.charCodeAt(0) <= 0x20 || value.charCodeAt(last) <= 0x20)) {
    throw new TypeError(`response header "${name}" value has surrounding whitespace`);
  }
}
