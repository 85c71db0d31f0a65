// The chunked transfer coding (RFC 9112 §7.1), decoded incrementally:
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
//   chunk-ext    = *( BWS ";" BWS ext-name [ BWS "=" BWS ext-value ] )
// Extensions are validated and ignored. Trailer fields are validated (same rules and limits as
// header fields) and discarded: RFC 9110 §6.5.1 forbids merging them into the header section
// unless known safe, and this server has no use for them.
import { CR, HEX_VALUE, HTAB, LF, QDTEXT_CHAR, SP, TOKEN_CHAR } from './chars.js';
import { ProtocolError } from './errors.js';
import { parseFieldLine } from './field-line.js';
import { NEED_MORE, TOO_LONG, type InputBuffer } from './input-buffer.js';
import { MAX_CHUNK_LINE_BYTES } from './limits.js';
import type { HttpLimits } from './types.js';

const SIZE_LINE = 0;
const DATA = 1;
const DATA_END = 2;
const TRAILERS = 3;

const EMPTY = Buffer.alloc(0);

export class ChunkedDecoder {
  #state = SIZE_LINE;
  #remaining = 0;
  #total = 0;
  #parts: Buffer[] = [];
  #trailerBytes = 0;
  #trailerCount = 0;

  constructor(private readonly limits: HttpLimits) {}

  reset(): void {
    this.#state = SIZE_LINE;
    this.#remaining = 0;
    this.#total = 0;
    this.#parts = [];
    this.#trailerBytes = 0;
    this.#trailerCount = 0;
  }

  /** Consumes what it can from input. Returns the whole decoded body once the message is
   *  complete, or null when more input is needed. Throws ProtocolError. */
  decode(input: InputBuffer): Buffer | null {
    for (;;) {
      switch (this.#state) {
        case SIZE_LINE: {
          const q = input.findLineFeed(MAX_CHUNK_LINE_BYTES + 2);
          if (q === NEED_MORE) return null;
          if (q === TOO_LONG) throw new ProtocolError('CHUNK_SIZE_LINE_TOO_LONG', MAX_CHUNK_LINE_BYTES);
          const s = input.start;
          if (q === 0 || input.data[s + q - 1] !== CR) throw new ProtocolError('CHUNK_SIZE_LINE_BARE_LF');
          const size = this.#parseSizeLine(input.data, s, s + q - 1);
          input.consume(q + 1);
          if (this.#total + size > this.limits.maxBodyBytes) {
            throw new ProtocolError('BODY_TOO_LARGE', this.limits.maxBodyBytes);
          }
          if (size === 0) {
            this.#state = TRAILERS;
          } else {
            this.#remaining = size;
            this.#state = DATA;
          }
          break;
        }
        case DATA: {
          const n = Math.min(this.#remaining, input.length);
          if (n === 0) return null;
          // Copied: the input may be the driver's read buffer, reused after receive() returns.
          this.#parts.push(Buffer.from(input.data.subarray(input.start, input.start + n)));
          input.consume(n);
          this.#total += n;
          this.#remaining -= n;
          if (this.#remaining === 0) this.#state = DATA_END;
          break;
        }
        case DATA_END: {
          if (input.length < 2) return null;
          const s = input.start;
          if (input.data[s] !== CR || input.data[s + 1] !== LF) throw new ProtocolError('CHUNK_DATA_NO_CRLF');
          input.consume(2);
          this.#state = SIZE_LINE;
          break;
        }
        case TRAILERS: {
          const { maxHeaderBytes, maxHeaderCount } = this.limits;
          const q = input.findLineFeed(Math.max(maxHeaderBytes - this.#trailerBytes, 2));
          if (q === NEED_MORE) return null;
          if (q === TOO_LONG) throw new ProtocolError('TRAILER_SECTION_TOO_LARGE', maxHeaderBytes);
          const s = input.start;
          if (q === 0 || input.data[s + q - 1] !== CR) throw new ProtocolError('TRAILER_LINE_BARE_LF');
          if (q === 1) {
            input.consume(2);
            const parts = this.#parts;
            this.reset();
            return parts.length <= 1 ? (parts[0] ?? EMPTY) : Buffer.concat(parts);
          }
          if (this.#trailerCount === maxHeaderCount) {
            throw new ProtocolError('TOO_MANY_TRAILERS', maxHeaderCount);
          }
          parseFieldLine(input.data, s, s + q - 1);
          this.#trailerCount++;
          this.#trailerBytes += q + 1;
          input.consume(q + 1);
          break;
        }
      }
    }
  }

  /** chunk-size [ chunk-ext ] in data[start, end); returns the size (capped above the body
   *  limit, which is all the caller needs to know about a huge size). */
  #parseSizeLine(data: Buffer, start: number, end: number): number {
    const cap = this.limits.maxBodyBytes + 1;
    let size = 0;
    let i = start;
    // invariant: i < end <= data.length, and a byte indexes the 256-entry table in range.
    while (i < end && HEX_VALUE[data[i]!]! >= 0) {
      if (size < cap) size = size * 16 + HEX_VALUE[data[i]!]!;
      i++;
    }
    if (i === start) throw new ProtocolError('CHUNK_SIZE_INVALID');
    validateExtensions(data, i, end);
    return Math.min(size, cap);
  }
}

function skipWhitespace(data: Buffer, i: number, end: number): number {
  while (i < end && (data[i] === SP || data[i] === HTAB)) i++;
  return i;
}

function skipToken(data: Buffer, i: number, end: number): number {
  // invariant: i < end <= data.length, so data[i] is a byte.
  while (i < end && TOKEN_CHAR[data[i]!] === 1) i++;
  return i;
}

/** *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ) filling data[i, end) exactly. */
function validateExtensions(data: Buffer, i: number, end: number): void {
  const malformed = () => new ProtocolError('CHUNK_EXTENSION_INVALID');
  while (i < end) {
    i = skipWhitespace(data, i, end);
    if (i === end || data[i] !== 0x3b /* ; */) throw new ProtocolError('CHUNK_SIZE_LINE_INVALID');
    i = skipWhitespace(data, i + 1, end);
    const nameStart = i;
    i = skipToken(data, i, end);
    if (i === nameStart) throw malformed();
    const afterName = i;
    i = skipWhitespace(data, i, end);
    if (i < end && data[i] === 0x3d /* = */) {
      i = skipWhitespace(data, i + 1, end);
      if (i < end && data[i] === 0x22 /* " */) {
        i++;
        for (;;) {
          if (i >= end) throw malformed();
          const b = data[i]!; // invariant: i < end <= data.length (checked just above)
          if (b === 0x22) {
            i++;
            break;
          }
          if (b === 0x5c /* \ */) {
            const escaped = data[i + 1];
            if (i + 1 >= end || escaped === undefined || (QDTEXT_CHAR[escaped] === 0 && escaped !== 0x22 && escaped !== 0x5c)) {
              throw malformed();
            }
            i += 2;
          } else if (QDTEXT_CHAR[b] === 1) {
            i++;
          } else {
            throw malformed();
          }
        }
      } else {
        const valueStart = i;
        i = skipToken(data, i, end);
        if (i === valueStart) throw malformed();
      }
    } else {
      i = afterName;
    }
  }
}
