// field-line = field-name ":" OWS field-value OWS   (RFC 9112 §5, RFC 9110 §5)
// Strict: token names, no whitespace before the colon, no obs-fold, no CTLs in values.
import { COLON, CR, FIELD_VALUE_CHAR, HTAB, SP, TOKEN_CHAR } from './chars.js';
import type { EngineErrorCode } from './error-codes.js';
import { ProtocolError } from './errors.js';

export type Field = [name: string, value: string];

const fail = (code: EngineErrorCode) => new ProtocolError(code);

/** Parses data[start, end) — one field line without its CRLF. Names come back lower-cased. */
export function parseFieldLine(data: Buffer, start: number, end: number): Field {
  const first = data[start]!;
  if (first === SP || first === HTAB) throw fail('HEADER_OBS_FOLD');

  let i = start;
  while (i < end && TOKEN_CHAR[data[i]!] === 1) i++;
  if (i === end) throw fail('HEADER_NO_COLON');
  const b = data[i]!;
  if (b !== COLON) {
    if (b === SP || b === HTAB) {
      let j = i;
      while (j < end && (data[j] === SP || data[j] === HTAB)) j++;
      if (data[j] === COLON && j < end) throw fail('HEADER_SPACE_BEFORE_COLON');
    }
    throw fail(nameProblem(b));
  }
  if (i === start) throw fail('HEADER_NAME_EMPTY');
  const nameEnd = i;

  // Value: trim OWS on both sides, then every byte must be a field-value byte.
  let valueStart = nameEnd + 1;
  while (valueStart < end && (data[valueStart] === SP || data[valueStart] === HTAB)) valueStart++;
  let valueEnd = end;
  while (valueEnd > valueStart && (data[valueEnd - 1] === SP || data[valueEnd - 1] === HTAB)) valueEnd--;
  for (let j = valueStart; j < valueEnd; j++) {
    if (FIELD_VALUE_CHAR[data[j]!] === 0) throw fail(valueProblem(data[j]!));
  }
  const known = knownNameIndex(data, start, nameEnd);
  if (known === -1) return [data.toString('latin1', start, nameEnd).toLowerCase(), data.toString('latin1', valueStart, valueEnd)];
  return [KNOWN_NAMES[known]!, knownFieldValue(known, data, valueStart, valueEnd)];
}

function nameProblem(byte: number): EngineErrorCode {
  if (byte === CR) return 'HEADER_NAME_BARE_CR';
  if (byte === 0) return 'HEADER_NAME_NUL';
  return 'HEADER_NAME_INVALID_CHAR';
}

function valueProblem(byte: number): EngineErrorCode {
  if (byte === CR) return 'HEADER_VALUE_BARE_CR';
  if (byte === 0) return 'HEADER_VALUE_NUL';
  return 'HEADER_VALUE_INVALID_CHAR';
}

// Names that arrive on nearly every request are returned as shared constants, matched
// case-insensitively, so the hot path allocates no string for them.
const KNOWN_NAMES = [
  'host', 'accept', 'connection', 'content-length', 'content-type', 'user-agent',
  'transfer-encoding', 'expect', 'accept-encoding', 'cache-control', 'authorization',
];
const KNOWN_BY_LENGTH: number[][] = [];
KNOWN_NAMES.forEach((name, index) => {
  KNOWN_BY_LENGTH[name.length] ??= [];
  KNOWN_BY_LENGTH[name.length]!.push(index);
});

/** Index in KNOWN_NAMES of the token data[start, end), or -1. */
function knownNameIndex(data: Buffer, start: number, end: number): number {
  const candidates = KNOWN_BY_LENGTH[end - start];
  if (candidates !== undefined) {
    next: for (const index of candidates) {
      const name = KNOWN_NAMES[index]!;
      // Token bytes OR 0x20 equal a lower-case letter or "-" only for that letter or "-".
      for (let i = 0; i < name.length; i++) {
        if ((data[start + i]! | 0x20) !== name.charCodeAt(i)) continue next;
      }
      return index;
    }
  }
  return -1;
}

// A client sends the same Host, User-Agent, Accept... on every request, so the last value seen
// for each known name is kept and returned again when the bytes match: a byte compare instead
// of a new string per field. Authorization is never kept (credentials outlive no request).
const lastKnownValues: string[] = KNOWN_NAMES.map(() => '');
const KEEP_VALUE = KNOWN_NAMES.map((name) => name !== 'authorization');

/** The latin1 string data[start, end) for a field with a known name. */
function knownFieldValue(known: number, data: Buffer, start: number, end: number): string {
  const last = lastKnownValues[known]!;
  const n = end - start;
  if (last.length === n) {
    let i = 0;
    while (i < n && last.charCodeAt(i) === data[start + i]) i++;
    if (i === n) return last;
  }
  const value = data.toString('latin1', start, end);
  if (KEEP_VALUE[known]) lastKnownValues[known] = value;
  return value;
}
