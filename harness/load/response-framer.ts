// Incremental HTTP/1.1 response framing for the node:net closed-loop driver: finds where each
// response ends (status line, header block, Content-Length body) in the bytes of one connection,
// across chunk boundaries, without allocating per response. That is all the servers here send:
// every response carries Content-Length except 204/304, which have no body (RFC 9110 §15.3.5).
//
// The hot path parses straight from the read buffer by index; only a response split across two
// reads is copied, into a per-connection carry buffer that is reused (and grown when a body is
// larger than it).

const CR = 13;
const LF = 10;
const HEAD_END = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = Buffer.from('\r\nContent-Length:', 'latin1');
const CONTENT_LENGTH_LOWER = '\r\ncontent-length:';

export type ResponseSink = (status: number) => void;

export class ResponseFramer {
  private carry: Buffer;
  private carried = 0;
  /** Why framing stopped (the connection cannot be read further), or null. */
  error: string | null = null;

  constructor(initialCarryBytes = 4096) {
    this.carry = Buffer.allocUnsafe(initialCarryBytes);
  }

  /** Bytes of an incomplete response kept for the next read. */
  get pendingBytes(): number {
    return this.carried;
  }

  /** Forgets a partial response (the connection was replaced). */
  reset(): void {
    this.carried = 0;
    this.error = null;
  }

  /**
   * Feeds `data[0, length)` (the rest of `data` may be stale: read buffers are reused) and calls
   * `sink(status)` once per complete response, in order. Returns false on a framing error
   * (`error` says which); the bytes after it are not read.
   */
  push(data: Buffer, length: number, sink: ResponseSink): boolean {
    let buf = data;
    let end = length;
    if (this.carried > 0) {
      this.reserve(this.carried + length);
      data.copy(this.carry, this.carried, 0, length);
      this.carried += length;
      buf = this.carry;
      end = this.carried;
    }
    let at = 0;
    while (at < end) {
      const headEnd = buf.indexOf(HEAD_END, at);
      // A match at or past `end` is in stale bytes: the head is not complete yet.
      if (headEnd < 0 || headEnd + 4 > end) break;
      const status = statusOf(buf, at, headEnd);
      if (status < 0) return this.fail('malformed status line');
      let bodyLength = contentLength(buf, at, headEnd);
      if (bodyLength < 0) {
        if (status === 204 || status === 304 || (status >= 100 && status < 200)) bodyLength = 0;
        else return this.fail(bodyLength === -2 ? 'unreadable Content-Length' : 'response without Content-Length');
      }
      const next = headEnd + 4 + bodyLength;
      if (next > end) break;
      at = next;
      sink(status);
    }
    const left = end - at;
    if (left === 0) this.carried = 0;
    else if (buf === this.carry) {
      if (at > 0) this.carry.copyWithin(0, at, end);
      this.carried = left;
    } else {
      this.reserve(left);
      data.copy(this.carry, 0, at, end);
      this.carried = left;
    }
    return true;
  }

  private reserve(bytes: number): void {
    if (bytes <= this.carry.length) return;
    const bigger = Buffer.allocUnsafe(Math.max(bytes, this.carry.length * 2));
    this.carry.copy(bigger, 0, 0, this.carried);
    this.carry = bigger;
  }

  private fail(reason: string): false {
    this.error = reason;
    this.carried = 0;
    return false;
  }
}

/** The three status digits of "HTTP/1.x NNN ...", or -1. */
function statusOf(buf: Buffer, at: number, headEnd: number): number {
  if (headEnd - at < 12 || buf[at] !== 72 /* H */ || buf[at + 4] !== 47 /* / */ || buf[at + 8] !== 32) return -1;
  // invariant (the buf[...]! here and in the two functions below, per response on the driver's hot
  // path): every index is inside [at, headEnd), and headEnd <= buf.length, so it reads a byte.
  const a = buf[at + 9]! - 48;
  const b = buf[at + 10]! - 48;
  const c = buf[at + 11]! - 48;
  if (a < 1 || a > 5 || b < 0 || b > 9 || c < 0 || c > 9) return -1;
  return a * 100 + b * 10 + c;
}

/** The Content-Length value in the head buf[at, headEnd); -1 when absent, -2 when unreadable. */
function contentLength(buf: Buffer, at: number, headEnd: number): number {
  // The servers here spell it "Content-Length" (a native search); any other case is found by the
  // slower scan below, since field names are case-insensitive.
  let name = buf.indexOf(CONTENT_LENGTH, at);
  if (name < 0 || name >= headEnd) name = findLowercase(buf, at, headEnd);
  if (name < 0) return -1;
  let i = name + CONTENT_LENGTH.length;
  while (i < headEnd && (buf[i] === 32 || buf[i] === 9)) i++;
  let n = 0;
  let digits = 0;
  for (; i < headEnd; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
    digits++;
  }
  while (i < headEnd && (buf[i] === 32 || buf[i] === 9)) i++;
  if (digits === 0 || digits > 15 || (i < headEnd && buf[i] !== CR)) return -2;
  return n;
}

/** Position of "\r\ncontent-length:" in any letter case inside buf[at, headEnd), or -1. */
function findLowercase(buf: Buffer, at: number, headEnd: number): number {
  const len = CONTENT_LENGTH_LOWER.length;
  for (let i = at; i + len <= headEnd; i++) {
    if (buf[i] !== CR || buf[i + 1] !== LF) continue;
    let j = 2;
    for (; j < len; j++) if ((buf[i + j]! | 0x20) !== CONTENT_LENGTH_LOWER.charCodeAt(j)) break;
    if (j === len) return i;
  }
  return -1;
}
