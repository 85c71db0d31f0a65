// The bytes received but not yet consumed by the parser.
//
// On the hot path a chunk holds whole requests and is parsed in place: no copy at all. Only
// what is left over when the parser runs out of input (a partial line, at most a limit's worth)
// is copied into memory the engine owns — the driver may reuse its read buffer once receive()
// returns. Later chunks are appended into that owned store, which grows by doubling, so a
// request trickling in byte by byte costs amortised O(1) per byte, not a re-copy per chunk.

const EMPTY = Buffer.alloc(0);
export const NEED_MORE = -1;
export const TOO_LONG = -2;

export class InputBuffer {
  /** data[start, data.length) are the unconsumed bytes. data.length is always the end. */
  data: Buffer = EMPTY;
  start = 0;
  /** The backing store when the bytes are owned (data is a prefix view of it). */
  #store: Buffer | null = null;
  /** How many bytes from `start` are known to hold no LF. */
  #scanned = 0;

  get length(): number {
    return this.data.length - this.start;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.length === 0) {
      // Borrow the driver's chunk; retain() copies whatever is left when parsing pauses.
      this.data = chunk;
      this.start = 0;
      this.#store = null;
      return;
    }
    // Leftover bytes exist; normally retain() already made them owned, but a caller may push
    // twice without parsing in between.
    if (this.#store === null) this.retain();
    const store = this.#store!;
    const left = this.length;
    const end = this.data.length;
    if (end + chunk.length <= store.length) {
      chunk.copy(store, end);
      this.data = store.subarray(0, end + chunk.length);
      return;
    }
    const grown = Buffer.allocUnsafe(Math.max(2 * (left + chunk.length), 256));
    this.data.copy(grown, 0, this.start);
    chunk.copy(grown, left);
    this.#store = grown;
    this.data = grown.subarray(0, left + chunk.length);
    this.start = 0;
  }

  /**
   * Where the line at `start` ends: the relative index of its LF if that lies within the first
   * `window` bytes, NEED_MORE if no LF yet and fewer than `window` bytes are here, or TOO_LONG.
   * Bytes already scanned are not scanned again when more input arrives.
   */
  findLineFeed(window: number): number {
    const found = this.data.indexOf(0x0a, this.start + this.#scanned);
    if (found !== -1) {
      const relative = found - this.start;
      return relative < window ? relative : TOO_LONG;
    }
    this.#scanned = this.length;
    return this.length >= window ? TOO_LONG : NEED_MORE;
  }

  consume(n: number): void {
    this.#scanned = 0;
    this.start += n;
    if (this.start === this.data.length) {
      // Fully consumed: drop references so a borrowed chunk is not kept alive.
      this.data = EMPTY;
      this.start = 0;
      this.#store = null;
    }
  }

  /** Called when parsing pauses for more input: make sure the leftover is owned. */
  retain(): void {
    if (this.#store !== null || this.length === 0) return;
    const left = this.length;
    const store = Buffer.allocUnsafe(Math.max(2 * left, 256));
    this.data.copy(store, 0, this.start);
    this.#store = store;
    this.data = store.subarray(0, left);
    this.start = 0;
  }

  clear(): void {
    this.#scanned = 0;
    this.data = EMPTY;
    this.start = 0;
    this.#store = null;
  }
}
