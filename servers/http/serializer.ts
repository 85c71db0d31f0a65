// Response serializer: HttpResponse -> one Buffer holding head and body.
//
// The engine owns the framing fields (Date, Content-Length, Connection, Transfer-Encoding); a
// handler that sets them, sends a header that would split the response (CR/LF in a value) or a
// body with 204/304 has a bug, which is reported by throwing a TypeError (the session answers
// 500 instead). Head and body go into a single allocation, so the driver does one write.
//
// The head is, in this order: status line, Date, the handler's fields in order, a default
// Content-Type (non-empty body, none given), Content-Length (not for 204/304), Connection, CRLF.
// Every field name is written in lower case, the engine's own and the handler's alike (a
// handler's "Location" goes out as "location"): one case on the wire, as HTTP/2 and HTTP/3
// require and HTTP/1.1 allows (names are case-insensitive, RFC 9110 §5.1), and the same case
// as the request field names handlers receive.
// Everything before the Content-Length digits depends only on (status, header list, Date,
// default Content-Type). Routes answer with frozen, shared header lists, so for those that part
// is validated once and kept as bytes (rebuilt when the Date second changes); a list that can
// still change is validated and formatted on every call. Either way the rest is written the
// same way, so both give the same bytes.
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

type HeaderList = NonNullable<HttpResponse['headers']>;

const ENGINE_OWNED = new Set(['date', 'content-length', 'connection', 'transfer-encoding']);
const EMPTY = Buffer.alloc(0);
const NO_HEADERS: HeaderList = Object.freeze([]);

// The default Content-Type, when the body is non-empty and the handler gave none.
const NO_DEFAULT_TYPE = 0;
const TEXT_TYPE = 1;
const OCTET_TYPE = 2;
type DefaultType = typeof NO_DEFAULT_TYPE | typeof TEXT_TYPE | typeof OCTET_TYPE;
const DEFAULT_TYPE_LINES = ['', 'content-type: text/plain; charset=utf-8\r\n', 'content-type: application/octet-stream\r\n'] as const;

const CONTENT_LENGTH_NAME = 'content-length: ';

// What follows the Content-Length digits (or the last field, for 204/304): Connection, blank line.
const latin1 = (text: string) => Buffer.from(text, 'latin1');
const AFTER_LENGTH = {
  none: latin1('\r\n\r\n'),
  close: latin1('\r\nconnection: close\r\n\r\n'),
  keepAlive: latin1('\r\nconnection: keep-alive\r\n\r\n'),
};
const AFTER_FIELDS = {
  none: latin1('\r\n'),
  close: latin1('connection: close\r\n\r\n'),
  keepAlive: latin1('connection: keep-alive\r\n\r\n'),
};

/** The status code of a response this serializer wrote, read from its head ("HTTP/1.1 200 ...");
 *  0 when `head` is missing or too short to hold one. For the sync server's warm start, which
 *  checks what its synthetic requests got without wrapping the handler (a wrapper is a call
 *  target the real connections never see, and V8 deoptimizes on it). */
export function serializedStatus(head: Buffer | undefined): number {
  return head === undefined || head.length < 12 ? 0 : Number(head.toString('latin1', 9, 12));
}

export function serializeResponse(response: HttpResponse, options: SerializeOptions): Buffer {
  return serializeResponseWith(response, options.date, options.omitBody, options.connection);
}

/** serializeResponse with the options as arguments (the session's per-request call). */
export function serializeResponseWith(response: HttpResponse, date: string, omitBody: boolean, connection: ConnectionHeader): Buffer {
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

  const headers = response.headers ?? NO_HEADERS;
  const known = frozenFields(headers);
  const fields = known ?? checkFields(headers);
  const defaultType = bodyLength === 0 || fields.hasContentType ? NO_DEFAULT_TYPE : typeof body === 'string' ? TEXT_TYPE : OCTET_TYPE;
  const sendBody = !omitBody && bodyLength > 0;
  const digits = bodiless ? 0 : decimalDigits(bodyLength);
  const tails = bodiless ? AFTER_FIELDS : AFTER_LENGTH;
  const tail = connection === 'close' ? tails.close : connection === 'keep-alive' ? tails.keepAlive : tails.none;

  let out: Buffer;
  let at: number;
  if (known !== null) {
    const prefix = cachedPrefix(known, status, defaultType, date);
    out = Buffer.allocUnsafe(prefix.length + digits + tail.length + (sendBody ? bodyLength : 0));
    out.set(prefix, 0);
    at = prefix.length;
  } else {
    const prefix = headPrefix(status, date, fields.lines, defaultType);
    // Every prefix character is one latin1 byte (checked), so prefix.length is its size.
    out = Buffer.allocUnsafe(prefix.length + digits + tail.length + (sendBody ? bodyLength : 0));
    out.write(prefix, 0, 'latin1');
    at = prefix.length;
  }
  if (!bodiless) at = writeDecimal(out, at, bodyLength, digits);
  out.set(tail, at);
  at += tail.length;
  if (sendBody) {
    if (typeof body === 'string') out.write(body, at, 'utf8');
    else out.set(body, at);
  }
  return out;
}

/** The head up to the Content-Length digits (up to the Connection field for 204/304). */
function headPrefix(status: number, date: string, lines: string, defaultType: DefaultType): string {
  const bodiless = status === 204 || status === 304;
  return statusLine(status) + 'date: ' + date + '\r\n' + lines + DEFAULT_TYPE_LINES[defaultType] + (bodiless ? '' : CONTENT_LENGTH_NAME);
}

/** A header list validated and formatted: its "name: value\r\n" lines. */
interface CheckedFields {
  lines: string;
  hasContentType: boolean;
}

/** A frozen list's fields, with the head prefixes built for it (per status and default type). */
interface FrozenFields extends CheckedFields {
  prefixes: Map<number, { date: string; bytes: Buffer }>;
}

// Keyed by the list object: a frozen array of frozen [name, value] arrays of strings cannot
// change, so what was checked once stays true. Lists that are dropped drop their entry.
const frozenLists = new WeakMap<HeaderList, FrozenFields>();

/** The cached fields of a deeply frozen list (validated on first sight); null for any other list. */
function frozenFields(headers: HeaderList): FrozenFields | null {
  const known = frozenLists.get(headers);
  if (known !== undefined) return known;
  if (!isDeeplyFrozen(headers)) return null;
  const fields = checkFields(headers); // throws for a bad list, which is then not remembered
  const entry: FrozenFields = { lines: fields.lines, hasContentType: fields.hasContentType, prefixes: new Map() };
  frozenLists.set(headers, entry);
  return entry;
}

function isDeeplyFrozen(headers: HeaderList): boolean {
  if (!Array.isArray(headers) || !Object.isFrozen(headers)) return false;
  for (let i = 0; i < headers.length; i++) {
    const field: unknown = headers[i];
    if (!Array.isArray(field) || !Object.isFrozen(field)) return false;
  }
  return true;
}

function cachedPrefix(fields: FrozenFields, status: number, defaultType: DefaultType, date: string): Buffer {
  const key = status * 4 + defaultType;
  const cached = fields.prefixes.get(key);
  if (cached !== undefined && cached.date === date) return cached.bytes;
  // At most 400 statuses x 3 default types per list; the Date changes once a second.
  const bytes = Buffer.from(headPrefix(status, date, fields.lines, defaultType), 'latin1');
  fields.prefixes.set(key, { date, bytes });
  return bytes;
}

/** Validates every field (throws TypeError) and formats them. */
function checkFields(headers: HeaderList): CheckedFields {
  let lines = '';
  let hasContentType = false;
  for (const [name, value] of headers) {
    const wireName = checkFieldName(name);
    if (wireName === 'content-type') hasContentType = true;
    checkFieldValue(name, value);
    lines += wireName + ': ' + value + '\r\n';
  }
  return { lines, hasContentType };
}

function decimalDigits(n: number): number {
  let digits = 1;
  while (n >= 10) {
    n = Math.floor(n / 10);
    digits++;
  }
  return digits;
}

/** Writes n (a whole number of `digits` digits) as ASCII at out[at]; returns the end. */
function writeDecimal(out: Buffer, at: number, n: number, digits: number): number {
  const end = at + digits;
  for (let i = end - 1; i >= at; i--) {
    out[i] = 0x30 + (n % 10);
    n = Math.floor(n / 10);
  }
  return end;
}

// Handlers use a handful of constant names, so a name is validated (and lower-cased) once and
// then looked up.
const checkedNames = new Map<string, string>();
const MAX_CHECKED_NAMES = 1024;

/** Throws for a name a handler must not send; returns the name as written: lower case. */
function checkFieldName(name: string): string {
  const known = checkedNames.get(name);
  if (known !== undefined) return known;
  if (typeof name !== 'string' || name.length === 0) throw new TypeError('response header name must be a non-empty string');
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || TOKEN_CHAR[c] === 0) throw new TypeError(`response header name "${name}" is not a token`);
  }
  const wireName = name.toLowerCase();
  if (ENGINE_OWNED.has(wireName)) {
    throw new TypeError(`response header "${name}" is set by the engine, not by handlers`);
  }
  if (checkedNames.size < MAX_CHECKED_NAMES) checkedNames.set(name, wireName);
  return wireName;
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
