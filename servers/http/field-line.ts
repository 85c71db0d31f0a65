// field-line = field-name ":" OWS field-value OWS   (RFC 9112 §5, RFC 9110 §5)
// Strict: token names, no whitespace before the colon, no obs-fold, no CTLs in values.
import { COLON, CR, FIELD_VALUE_CHAR, HTAB, SP, TOKEN_CHAR } from './chars.js';
import type { EngineErrorCode } from './error-codes.js';
import { ProtocolError } from './errors.js';

export type Field = [name: string, value: string];

const fail = (code: EngineErrorCode) => new ProtocolError(code);

/** Parses data[start, end) — one field line without its CRLF. Names come back lower-cased. */
export function parseFieldLine(data: Buffer, start: number, end: number): Field {
  // invariant (every data[...]! below): start <= index < end <= data.length, so it reads a byte.
  const first = data[start];
  if (first === SP || first === HTAB) throw fail('HEADER_OBS_FOLD');

  let i = start;
  while (i < end && TOKEN_CHAR[data[i]!] === 1) i++;
  if (i === end) throw fail('HEADER_NO_COLON');
  const b = data[i];
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
    if (FIELD_VALUE_CHAR[data[j]!] === 0) throw fail(valueProblem(data[j]));
  }
  const known = knownName(data, start, nameEnd);
  if (known === undefined) return [data.toString('latin1', start, nameEnd).toLowerCase(), data.toString('latin1', valueStart, valueEnd)];
  return [known.name, knownFieldValue(known, data, valueStart, valueEnd)];
}

function nameProblem(byte: number | undefined): EngineErrorCode {
  if (byte === CR) return 'HEADER_NAME_BARE_CR';
  if (byte === 0) return 'HEADER_NAME_NUL';
  return 'HEADER_NAME_INVALID_CHAR';
}

function valueProblem(byte: number | undefined): EngineErrorCode {
  if (byte === CR) return 'HEADER_VALUE_BARE_CR';
  if (byte === 0) return 'HEADER_VALUE_NUL';
  return 'HEADER_VALUE_INVALID_CHAR';
}

// Names that arrive on nearly every request are returned as shared constants, matched
// case-insensitively, so the hot path allocates no string for them.
//
// A client sends the same Host, User-Agent, Accept... on every request, so the last value seen
// for each known name is kept and returned again when the bytes match: a byte compare instead
// of a new string per field. Authorization is never kept (credentials outlive no request).
interface KnownName {
  readonly name: string;
  readonly keepValue: boolean;
  lastValue: string;
}
const KNOWN_NAMES: readonly KnownName[] = [
  'host',
  'accept',
  'connection',
  'content-length',
  'content-type',
  'user-agent',
  'transfer-encoding',
  'expect',
  'accept-encoding',
  'cache-control',
  'authorization',
].map((name) => ({ name, keepValue: name !== 'authorization', lastValue: '' }));
const KNOWN_BY_LENGTH: KnownName[][] = [];
for (const known of KNOWN_NAMES) {
  const sameLength = KNOWN_BY_LENGTH[known.name.length] ?? [];
  sameLength.push(known);
  KNOWN_BY_LENGTH[known.name.length] = sameLength;
}

/** The known name the token data[start, end) spells, or undefined. */
function knownName(data: Buffer, start: number, end: number): KnownName | undefined {
  const candidates = KNOWN_BY_LENGTH[end - start];
  if (candidates !== undefined) {
    next: for (const known of candidates) {
      const name = known.name;
      // Token bytes OR 0x20 equal a lower-case letter or "-" only for that letter or "-".
      // invariant: i < name.length === end - start, so data[start + i] is a byte of the token.
      for (let i = 0; i < name.length; i++) {
        if ((data[start + i]! | 0x20) !== name.charCodeAt(i)) continue next;
      }
      return known;
    }
  }
  return undefined;
}

/** The latin1 string data[start, end) for a field with a known name. */
function knownFieldValue(known: KnownName, data: Buffer, start: number, end: number): string {
  const last = known.lastValue;
  const n = end - start;
  if (last.length === n) {
    let i = 0;
    while (i < n && last.charCodeAt(i) === data[start + i]) i++;
    if (i === n) return last;
  }
  const value = data.toString('latin1', start, end);
  if (known.keepValue) known.lastValue = value;
  return value;
}
