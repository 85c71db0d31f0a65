// The Date header (RFC 9110 §6.6.1, IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT").
// Formatting a date costs far more than reading the clock, so the string is rebuilt only when
// the second changes. The clock is injectable so tests can freeze time.

/** Milliseconds since the epoch, like Date.now. */
export type Clock = () => number;

/** Formats and caches per second. One per clock; the default one is shared. */
export class HttpDateCache {
  #second = Number.NaN;
  #value = '';

  constructor(private readonly now: Clock = Date.now) {}

  /** The current IMF-fixdate. */
  current(): string {
    const second = Math.floor(this.now() / 1000);
    if (second !== this.#second) {
      this.#second = second;
      // toUTCString is specified (ECMA-262 §21.4.4.43) to produce exactly IMF-fixdate.
      this.#value = new Date(second * 1000).toUTCString();
    }
    return this.#value;
  }
}

export const systemDate = new HttpDateCache();

export function imfFixdate(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toUTCString();
}
