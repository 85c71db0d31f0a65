// Protocol limits: explicit, with the defaults used when a driver passes none (or only some).
import type { HttpLimits } from './types.js';

export const DEFAULT_HTTP_LIMITS: Readonly<HttpLimits> = Object.freeze({
  maxRequestLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024,
});

/** A chunk-size line (size plus extensions, CRLF excluded) longer than this is rejected with 400.
 *  Not configurable: extensions carry nothing this server uses; the cap only bounds buffering. */
export const MAX_CHUNK_LINE_BYTES = 4096;

/** Fills in defaults and rejects nonsense (a limit that is not a positive whole number). */
export function resolveLimits(partial: Partial<HttpLimits> = {}): HttpLimits {
  const limits: HttpLimits = { ...DEFAULT_HTTP_LIMITS };
  for (const key of Object.keys(DEFAULT_HTTP_LIMITS) as (keyof HttpLimits)[]) {
    const value = partial[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`HTTP limit ${key} must be a positive whole number, got ${String(value)}`);
    }
    limits[key] = value;
  }
  return limits;
}
