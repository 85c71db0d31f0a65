// The incremental request parser: bytes in (Buffers split anywhere), events out.
//
//   parser.push(chunk);
//   for (let e = parser.next(); e.type !== 'need-more'; e = parser.next()) { ... }
//
// Every decision depends only on the bytes received so far and is taken at the first point the
// bytes settle it (a complete line, or a limit's worth of bytes without one). So however a
// stream is split, the same requests and the same error come out.
//
// Lines are parsed as they complete and then dropped, so what stays buffered between chunks is
// at most one partial line; bodies are copied straight into their own buffer.
import { CR, SP, TOKEN_CHAR } from './chars.js';
import { ChunkedDecoder } from './chunked.js';
import { ProtocolError } from './errors.js';
import { parseFieldLine, type Field } from './field-line.js';
import { CHUNKED, HeadFields, NO_BODY } from './head-fields.js';
import { InputBuffer, NEED_MORE, TOO_LONG } from './input-buffer.js';
import { resolveLimits } from './limits.js';
import { parseRequestLine, type RequestLine } from './request-line.js';
import type { HttpLimits, HttpRequest } from './types.js';

export interface RequestEvent {
  type: 'request';
  request: HttpRequest;
  /** False when the connection must close after the response (Connection: close, HTTP/1.0). */
  keepAlive: boolean;
  /** HTTP/1.0 client kept alive on request: the response must carry "Connection: keep-alive". */
  keepAliveHeader: boolean;
}

export type ParseEvent =
  | { type: 'need-more' }
  /** The head asked for 100-continue and a body follows: answer "100 Continue" now. */
  | { type: 'continue' }
  | RequestEvent
  /** The stream is invalid; the parser stays dead and keeps returning this. `method` is the
   *  method of the request the error answers, when its token had arrived (HEAD: no body). */
  | { type: 'error'; error: ProtocolError; method: string | undefined };

const NEED_MORE_EVENT = Object.freeze({ type: 'need-more' as const });
const CONTINUE_EVENT = Object.freeze({ type: 'continue' as const });
const EMPTY_BODY = Buffer.alloc(0);

const START = 0;
const REQUEST_LINE = 1;
const HEADERS = 2;
const BODY_LENGTH = 3;
const BODY_CHUNKED = 4;
const DEAD = 5;

export class RequestParser {
  readonly limits: HttpLimits;
  #input = new InputBuffer();
  #state = START;
  /** A byte of the current request (even a skipped empty line) has arrived. */
  #started = false;
  #error: ProtocolError | null = null;
  #errorMethod: string | undefined = undefined;

  // The request being parsed.
  #line: RequestLine | null = null;
  #headers: Field[] = [];
  #headerBytes = 0;
  #fields = new HeadFields();
  #keepAlive = true;
  #keepAliveHeader = false;
  #body: Buffer = EMPTY_BODY;
  #bodyFilled = 0;
  #chunked: ChunkedDecoder;

  constructor(limits?: Partial<HttpLimits>) {
    this.limits = resolveLimits(limits);
    this.#chunked = new ChunkedDecoder(this.limits);
  }

  /** Part of a request has arrived and it is not complete yet. */
  get inProgress(): boolean {
    return this.#state !== DEAD && (this.#started || this.#input.length > 0);
  }

  /** Bytes held between calls (bounded by the limits: at most one partial line). */
  get bufferedBytes(): number {
    return this.#input.length;
  }

  get failed(): boolean {
    return this.#state === DEAD;
  }

  /** The method of the request under way, once its token and the space after it have arrived
   *  (so an error or a timeout can answer a HEAD without a body); undefined between requests. */
  get currentMethod(): string | undefined {
    if (this.#line !== null) return this.#line.method;
    if (this.#state !== REQUEST_LINE) return undefined;
    // The request line is still unparsed in the input (incomplete, too long, or just rejected).
    const input = this.#input;
    const data = input.data;
    let i = input.start;
    while (i < data.length && TOKEN_CHAR[data[i]!] === 1) i++; // invariant: i < data.length
    return i > input.start && data[i] === SP ? data.toString('latin1', input.start, i) : undefined;
  }

  push(chunk: Buffer): void {
    if (this.#state !== DEAD) this.#input.push(chunk);
  }

  /** Drops everything held (the connection is closing). */
  release(): void {
    this.#input.clear();
    this.#body = EMPTY_BODY;
    this.#headers = [];
    this.#chunked.reset();
  }

  next(): ParseEvent {
    if (this.#error !== null) return { type: 'error', error: this.#error, method: this.#errorMethod };
    try {
      const event = this.#step();
      if (event === NEED_MORE_EVENT) this.#input.retain();
      return event;
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      const method = this.currentMethod; // before release() drops the line's bytes
      this.#error = error;
      this.#errorMethod = method;
      this.#state = DEAD;
      this.release();
      return { type: 'error', error, method };
    }
  }

  #step(): ParseEvent {
    const input = this.#input;
    const limits = this.limits;
    for (;;) {
      switch (this.#state) {
        case START: {
          // RFC 9112 §2.2: skip empty lines (CRLF) received before the request line.
          if (input.length === 0) return NEED_MORE_EVENT;
          this.#started = true;
          const b = input.data[input.start];
          if (b === CR) {
            if (input.length < 2) return NEED_MORE_EVENT;
            if (input.data[input.start + 1] !== 0x0a) throw new ProtocolError('REQUEST_LINE_BARE_CR');
            input.consume(2);
            break;
          }
          if (b === 0x0a) throw new ProtocolError('REQUEST_LINE_BARE_LF');
          this.#state = REQUEST_LINE;
          break;
        }
        case REQUEST_LINE: {
          const max = limits.maxRequestLineBytes;
          const q = input.findLineFeed(max + 2);
          if (q === NEED_MORE) return NEED_MORE_EVENT;
          if (q === TOO_LONG) throw new ProtocolError('REQUEST_LINE_TOO_LONG', max);
          const s = input.start;
          if (q === 0 || input.data[s + q - 1] !== CR) throw new ProtocolError('REQUEST_LINE_BARE_LF');
          this.#line = parseRequestLine(input.data, s, s + q - 1);
          input.consume(q + 1);
          this.#headers = [];
          this.#headerBytes = 0;
          this.#fields.reset();
          this.#state = HEADERS;
          break;
        }
        case HEADERS: {
          const max = limits.maxHeaderBytes;
          // A field line of q-1 bytes plus CRLF fits while headerBytes + q + 1 <= max; the
          // final empty line (q = 1) always fits.
          const q = input.findLineFeed(Math.max(max - this.#headerBytes, 2));
          if (q === NEED_MORE) return NEED_MORE_EVENT;
          if (q === TOO_LONG) throw new ProtocolError('HEADER_SECTION_TOO_LARGE', max);
          const s = input.start;
          if (q === 0 || input.data[s + q - 1] !== CR) throw new ProtocolError('HEADER_LINE_BARE_LF');
          if (q === 1) {
            input.consume(2);
            const event = this.#headComplete();
            if (event !== null) return event;
            break;
          }
          if (this.#headers.length === limits.maxHeaderCount) {
            throw new ProtocolError('TOO_MANY_HEADERS', limits.maxHeaderCount);
          }
          const field = parseFieldLine(input.data, s, s + q - 1);
          this.#headers.push(field);
          this.#fields.note(field[0], field[1]);
          this.#headerBytes += q + 1;
          input.consume(q + 1);
          break;
        }
        case BODY_LENGTH: {
          const body = this.#body;
          const n = Math.min(body.length - this.#bodyFilled, input.length);
          if (n === 0) return NEED_MORE_EVENT;
          input.data.copy(body, this.#bodyFilled, input.start, input.start + n);
          input.consume(n);
          this.#bodyFilled += n;
          if (this.#bodyFilled === body.length) return this.#complete(body);
          return NEED_MORE_EVENT;
        }
        case BODY_CHUNKED: {
          const body = this.#chunked.decode(input);
          if (body === null) return NEED_MORE_EVENT;
          return this.#complete(body);
        }
        default:
          return NEED_MORE_EVENT;
      }
    }
  }

  /** The empty line ended the head: judge framing; a request without body is complete now. */
  #headComplete(): ParseEvent | null {
    const verdict = this.#fields.judge(this.#line!.minor, this.limits);
    this.#keepAlive = verdict.keepAlive;
    this.#keepAliveHeader = verdict.keepAliveHeader;
    if (verdict.body === NO_BODY || verdict.body === 0) return this.#complete(EMPTY_BODY);
    if (verdict.body === CHUNKED) {
      this.#chunked.reset();
      this.#state = BODY_CHUNKED;
    } else {
      // Its own memory (small sizes come from Node's pool): handlers may keep the body.
      this.#body = Buffer.allocUnsafe(verdict.body);
      this.#bodyFilled = 0;
      this.#state = BODY_LENGTH;
    }
    return verdict.expectContinue ? CONTINUE_EVENT : null;
  }

  #complete(body: Buffer): RequestEvent {
    const line = this.#line!;
    const request: HttpRequest = {
      method: line.method,
      target: line.target,
      path: line.path,
      query: line.query,
      minor: line.minor,
      headers: this.#headers,
      body,
    };
    this.#line = null;
    this.#body = EMPTY_BODY;
    this.#state = START;
    this.#started = false;
    return { type: 'request', request, keepAlive: this.#keepAlive, keepAliveHeader: this.#keepAliveHeader };
  }
}
