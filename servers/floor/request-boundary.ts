// The floor server's whole "parser": count where requests end, nothing else. No validation,
// no chunked bodies — it exists to measure what moving bytes costs without any HTTP work, so
// it must stay minimal (and it is not the engine: servers/http is the real parser). Heads end
// at CRLFCRLF; a Content-Length body is skipped.

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const CONTENT_LENGTH = 'content-length:';

export class RequestBoundaryScanner {
  /** Start of a head that has not ended yet (owned copy). */
  #partialHead: Buffer | null = null;
  /** Body bytes still to skip for the current request. */
  #bodyLeft = 0;

  /** Returns how many requests the bytes completed. */
  feed(chunk: Buffer): number {
    let count = 0;
    let data = chunk;
    let pos = 0;
    if (this.#bodyLeft > 0) {
      const n = Math.min(this.#bodyLeft, data.length);
      this.#bodyLeft -= n;
      pos = n;
      if (this.#bodyLeft > 0) return 0;
      count++;
    }
    if (this.#partialHead !== null) {
      data = Buffer.concat([this.#partialHead, data.subarray(pos)]);
      pos = 0;
      this.#partialHead = null;
    }
    while (pos < data.length) {
      const end = data.indexOf(CRLFCRLF, pos);
      if (end === -1) {
        this.#partialHead = Buffer.from(data.subarray(pos));
        break;
      }
      const bodyLength = contentLength(data, pos, end);
      pos = end + 4;
      const available = Math.min(bodyLength, data.length - pos);
      pos += available;
      if (available < bodyLength) {
        this.#bodyLeft = bodyLength - available;
        break;
      }
      count++;
    }
    return count;
  }
}

/** The Content-Length value in data[start, end) (a head), 0 when absent or unreadable. */
function contentLength(data: Buffer, start: number, end: number): number {
  let line = data.indexOf(0x0a, start);
  while (line !== -1 && line < end) {
    const s = line + 1;
    // invariant (the data[...]! below): end - s > CONTENT_LENGTH.length is checked first, so every
    // index read is below end <= data.length.
    if (end - s > CONTENT_LENGTH.length && (data[s]! | 0x20) === 0x63 /* c */) {
      let match = true;
      for (let i = 1; i < CONTENT_LENGTH.length && match; i++) match = (data[s + i]! | 0x20) === CONTENT_LENGTH.charCodeAt(i);
      if (match) {
        let i = s + CONTENT_LENGTH.length;
        while (data[i] === 0x20 || data[i] === 0x09) i++;
        let n = 0;
        for (let d = data[i]; i < end && d !== undefined && d >= 0x30 && d <= 0x39; d = data[++i]) n = n * 10 + d - 0x30;
        return n;
      }
    }
    line = data.indexOf(0x0a, s);
  }
  return 0;
}
