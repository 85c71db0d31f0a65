// The header fields that decide how a request is framed and whether the connection stays open,
// collected while the head is parsed and judged once it is complete (RFC 9112 §6, §9.3).
import { AUTHORITY_CHAR } from './chars.js';
import { ProtocolError } from './errors.js';
import type { HttpLimits } from './types.js';

export const NO_BODY = -1;
export const CHUNKED = -2;

export interface HeadVerdict {
  /** Body length in bytes, NO_BODY or CHUNKED. */
  body: number;
  keepAlive: boolean;
  /** An HTTP/1.0 client asked for keep-alive and gets it: the response must say so. */
  keepAliveHeader: boolean;
  /** Send "100 Continue" before reading the body. */
  expectContinue: boolean;
}

export class HeadFields {
  contentLength: string[] = [];
  transferEncoding: string[] = [];
  host: string[] = [];
  connection: string[] = [];
  expect: string[] = [];

  reset(): void {
    // Cleared in place: on the hot path these are empty already, so this allocates nothing.
    if (this.contentLength.length) this.contentLength = [];
    if (this.transferEncoding.length) this.transferEncoding = [];
    if (this.host.length) this.host = [];
    if (this.connection.length) this.connection = [];
    if (this.expect.length) this.expect = [];
  }

  /** Remembers the field if it matters for framing. Names are already lower-cased. */
  note(name: string, value: string): void {
    switch (name) {
      case 'content-length':
        this.contentLength.push(value);
        break;
      case 'transfer-encoding':
        this.transferEncoding.push(value);
        break;
      case 'host':
        this.host.push(value);
        break;
      case 'connection':
        this.connection.push(value);
        break;
      case 'expect':
        this.expect.push(value);
        break;
    }
  }

  /** Judges the complete head. Throws ProtocolError. */
  judge(minor: 0 | 1, limits: HttpLimits): HeadVerdict {
    const body = this.#framing(minor, limits);
    this.#checkHost(minor);
    let close = false;
    let keepAliveToken = false;
    for (const value of this.connection) {
      for (const option of listElements(value)) {
        if (option === 'close') close = true;
        else if (option === 'keep-alive') keepAliveToken = true;
      }
    }
    const keepAlive = !close && (minor === 1 || keepAliveToken);
    const expectContinue =
      minor === 1 && body !== NO_BODY && body !== 0 && this.expect.some((v) => listElements(v).includes('100-continue'));
    return { body, keepAlive, keepAliveHeader: keepAlive && minor === 0, expectContinue };
  }

  #framing(minor: 0 | 1, limits: HttpLimits): number {
    if (this.transferEncoding.length > 0) {
      // Smuggling defence (RFC 9112 §6.1, §6.3): never pick one framing over the other.
      if (this.contentLength.length > 0) throw new ProtocolError('CONTENT_LENGTH_WITH_TRANSFER_ENCODING');
      if (minor === 0) throw new ProtocolError('TRANSFER_ENCODING_HTTP10');
      // The codings in the order applied, all field lines together (RFC 9110 §5.3).
      const codings: string[] = [];
      let chunkedCount = 0;
      let chunkedParameters = false;
      for (const value of this.transferEncoding) {
        for (const element of listElements(value)) {
          const semicolon = element.indexOf(';');
          const coding = (semicolon === -1 ? element : element.slice(0, semicolon)).trim();
          if (!isToken(coding)) throw new ProtocolError('TRANSFER_ENCODING_INVALID');
          if (coding === 'chunked') {
            chunkedCount++;
            if (semicolon !== -1) chunkedParameters = true;
          }
          codings.push(coding);
        }
      }
      if (codings.length === 0) throw new ProtocolError('TRANSFER_ENCODING_EMPTY');
      // RFC 9112 §6.3: when chunked is not the final coding the body length cannot be known:
      // 400 and close, whatever the other codings are.
      if (codings[codings.length - 1] !== 'chunked') throw new ProtocolError('CHUNKED_NOT_FINAL');
      if (chunkedCount > 1) throw new ProtocolError('CHUNKED_REPEATED');
      if (chunkedParameters) throw new ProtocolError('CHUNKED_PARAMETERS');
      // Framing is sound (it ends in chunked), but a coding under it we cannot decode: 501.
      const unsupported = codings.find((coding) => coding !== 'chunked');
      if (unsupported !== undefined) throw new ProtocolError('TRANSFER_CODING_UNSUPPORTED', unsupported);
      return CHUNKED;
    }
    if (this.contentLength.length === 0) return NO_BODY;
    let length = -1;
    for (const value of this.contentLength) {
      // A list "5, 5" or repeated fields are accepted only when every value is the same
      // (RFC 9110 §8.6); anything else is ambiguous framing.
      for (const element of value.split(',')) {
        const digits = element.trim();
        if (!/^[0-9]+$/.test(digits)) throw new ProtocolError('CONTENT_LENGTH_INVALID');
        const n = Number(digits);
        if (length !== -1 && n !== length) throw new ProtocolError('CONTENT_LENGTH_CONFLICT');
        length = n;
      }
    }
    if (length > limits.maxBodyBytes) {
      throw new ProtocolError('BODY_TOO_LARGE', limits.maxBodyBytes);
    }
    return length;
  }

  #checkHost(minor: 0 | 1): void {
    // RFC 9112 §3.2: a 1.1 request without Host, or any request with several, gets 400.
    if (this.host.length > 1) throw new ProtocolError('HOST_REPEATED');
    const host = this.host[0];
    if (host === undefined) {
      if (minor === 1) throw new ProtocolError('HOST_MISSING');
      return;
    }
    for (let i = 0; i < host.length; i++) {
      const c = host.charCodeAt(i);
      if (c > 0xff || AUTHORITY_CHAR[c] === 0) throw new ProtocolError('HOST_INVALID');
    }
  }
}

/** Elements of a comma-separated list (RFC 9110 §5.6.1), trimmed, lower-cased, empties skipped. */
function listElements(value: string): string[] {
  if (value.indexOf(',') === -1) {
    const single = value.trim().toLowerCase();
    return single === '' ? [] : [single];
  }
  const out: string[] = [];
  for (const part of value.split(',')) {
    const element = part.trim().toLowerCase();
    if (element !== '') out.push(element);
  }
  return out;
}

function isToken(s: string): boolean {
  return /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(s);
}
