// request-line = method SP request-target SP HTTP-version   (RFC 9112 §3)
// Strict: single spaces, a token method, origin-form or absolute-form target, "HTTP/d.d".
import { AUTHORITY_CHAR, HEX_VALUE, SCHEME_CHAR, SP, TARGET_CHAR, TOKEN_CHAR } from './chars.js';
import type { EngineErrorCode } from './error-codes.js';
import { ProtocolError } from './errors.js';

export interface RequestLine {
  method: string;
  target: string;
  path: string;
  query: string;
  /** 0 for HTTP/1.0; 1 for HTTP/1.1 and any higher 1.x (served as 1.1, RFC 9110 §6.2). */
  minor: 0 | 1;
}

const fail = (code: EngineErrorCode, detail?: string) => new ProtocolError(code, detail);

/** Parses data[start, end) — the line without its CRLF. Throws ProtocolError. */
export function parseRequestLine(data: Buffer, start: number, end: number): RequestLine {
  rejectControlCharacters(data, start, end);

  // Method: a token up to the first SP.
  // invariant (every data[...]! in this file): the index is inside [start, end), and end <= data.length.
  let i = start;
  while (i < end && data[i] !== SP) {
    if (TOKEN_CHAR[data[i]!] === 0) throw fail('INVALID_METHOD');
    i++;
  }
  if (i === start) throw fail(end === start ? 'REQUEST_LINE_EMPTY' : 'REQUEST_LINE_LEADING_SPACE');
  if (i === end) throw fail('REQUEST_LINE_NO_TARGET');
  const methodEnd = i;

  // Target: up to the next SP; the version follows it.
  const targetStart = methodEnd + 1;
  i = targetStart;
  while (i < end && data[i] !== SP) i++;
  if (i === targetStart) throw fail('REQUEST_LINE_SPACING');
  if (i === end) throw fail('REQUEST_LINE_NO_VERSION');
  const targetEnd = i;

  const minor = parseVersion(data, targetEnd + 1, end);
  const method = methodString(data, start, methodEnd);
  const { target, path, query } = parseTarget(data, targetStart, targetEnd);
  return { method, target, path, query, minor };
}

function rejectControlCharacters(data: Buffer, start: number, end: number): void {
  for (let i = start; i < end; i++) {
    const b = data[i]!;
    if (b < 0x20 || b === 0x7f) {
      if (b === 0x0d) throw fail('REQUEST_LINE_BARE_CR');
      if (b === 0x00) throw fail('REQUEST_LINE_NUL');
      throw fail('REQUEST_LINE_CONTROL_CHAR');
    }
  }
}

/** "HTTP/" DIGIT "." DIGIT, case-sensitive (RFC 9112 §2.3). */
function parseVersion(data: Buffer, start: number, end: number): 0 | 1 {
  const majorDigit = data[start + 5];
  const minorDigit = data[start + 7];
  if (
    end - start !== 8 ||
    data[start] !== 0x48 ||
    data[start + 1] !== 0x54 ||
    data[start + 2] !== 0x54 ||
    data[start + 3] !== 0x50 ||
    data[start + 4] !== 0x2f ||
    !isDigit(majorDigit) ||
    data[start + 6] !== 0x2e ||
    !isDigit(minorDigit)
  ) {
    if (data.indexOf(SP, start) !== -1 && data.indexOf(SP, start) < end) {
      throw fail('REQUEST_LINE_SPACING');
    }
    throw fail('INVALID_VERSION');
  }
  const major = majorDigit - 0x30;
  const minor = minorDigit - 0x30;
  if (major !== 1) throw fail('UNSUPPORTED_VERSION', `${major}.${minor}`);
  return minor === 0 ? 0 : 1;
}

function isDigit(b: number | undefined): b is number {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** The common methods as shared constants: no string allocated for them per request. */
function methodString(data: Buffer, start: number, end: number): string {
  const n = end - start;
  const a = data[start];
  if (n === 3 && a === 0x47 && data[start + 1] === 0x45 && data[start + 2] === 0x54) return 'GET';
  if (n === 3 && a === 0x50 && data[start + 1] === 0x55 && data[start + 2] === 0x54) return 'PUT';
  if (n === 4 && a === 0x48 && data.toString('latin1', start, end) === 'HEAD') return 'HEAD';
  if (n === 4 && a === 0x50 && data.toString('latin1', start, end) === 'POST') return 'POST';
  return data.toString('latin1', start, end);
}

interface Target {
  target: string;
  path: string;
  query: string;
}

function parseTarget(data: Buffer, start: number, end: number): Target {
  const first = data[start];
  if (first === 0x2f /* / */) return parseOriginForm(data, start, start, end);
  if (first === 0x2a /* * */ && end - start === 1) throw fail('TARGET_ASTERISK_FORM');
  if (first !== undefined && (first | 0x20) >= 0x61 && (first | 0x20) <= 0x7a) return parseAbsoluteForm(data, start, end);
  throw fail('TARGET_FORM');
}

/**
 * Validates path-abempty ["?" query] in data[pathStart, end) and slices it out of the target
 * string that begins at targetStart. An empty path (absolute-form "http://h") reads as "/".
 */
function parseOriginForm(data: Buffer, targetStart: number, pathStart: number, end: number): Target {
  let queryMark = -1;
  for (let i = pathStart; i < end; i++) {
    const b = data[i]!;
    if (TARGET_CHAR[b] === 0) throw fail('TARGET_INVALID_CHAR');
    if (b === 0x25 /* % */) {
      if (i + 2 >= end || HEX_VALUE[data[i + 1]!]! < 0 || HEX_VALUE[data[i + 2]!]! < 0) {
        throw fail('TARGET_PERCENT_ENCODING');
      }
      i += 2;
    } else if (b === 0x3f /* ? */ && queryMark === -1) {
      queryMark = i;
    }
  }
  const target = data.toString('latin1', targetStart, end);
  const offset = pathStart - targetStart;
  if (queryMark === -1) {
    const path = offset === 0 ? target : target.slice(offset);
    return { target, path: path === '' ? '/' : path, query: '' };
  }
  const path = target.slice(offset, queryMark - targetStart);
  return { target, path: path === '' ? '/' : path, query: target.slice(queryMark - targetStart + 1) };
}

/** absolute-form: http(s)://authority path-abempty ["?" query] (RFC 9112 §3.2.2). */
function parseAbsoluteForm(data: Buffer, start: number, end: number): Target {
  let i = start + 1;
  while (i < end && SCHEME_CHAR[data[i]!] === 1) i++;
  if (i === end || data[i] !== 0x3a /* : */) {
    throw fail('TARGET_FORM');
  }
  const scheme = data.toString('latin1', start, i).toLowerCase();
  if (data[i + 1] !== 0x2f || data[i + 2] !== 0x2f || i + 2 >= end) {
    throw fail('TARGET_NO_AUTHORITY');
  }
  if (scheme !== 'http' && scheme !== 'https') throw fail('TARGET_SCHEME', scheme);

  const authorityStart = i + 3;
  i = authorityStart;
  while (i < end && data[i] !== 0x2f && data[i] !== 0x3f) {
    const b = data[i]!;
    if (b === 0x40 /* @ */) throw fail('TARGET_USERINFO');
    if (AUTHORITY_CHAR[b] === 0) throw fail('TARGET_HOST_INVALID_CHAR');
    i++;
  }
  if (i === authorityStart) throw fail('TARGET_HOST_EMPTY');
  return parseOriginForm(data, start, i, end);
}
