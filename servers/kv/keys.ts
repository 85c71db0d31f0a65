// What makes a key acceptable. Shared by the routes (to answer 400 with a reason) and the store
// (to refuse bad keys from direct callers such as the seeder), so both apply the same rule.

/** Longest key, in UTF-8 bytes. Keys travel in the request line, so keep them well inside it. */
export const MAX_KEY_BYTES = 1024;

const TOO_LONG = `key is longer than ${MAX_KEY_BYTES} bytes`;

// String.prototype.isWellFormed is ES2024; the project targets ES2022 typings, so say it directly.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `text` has no lone surrogate, i.e. it has an exact UTF-8 encoding. */
export function isWellFormedText(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

/**
 * The length rule alone: empty, or longer than MAX_KEY_BYTES UTF-8 bytes. Enough for a key decoded
 * from a URL path, which cannot hold a lone surrogate (decodeURIComponent refuses to make one).
 */
export function keyLengthProblem(key: string): string | undefined {
  if (key.length === 0) return 'key must not be empty';
  // A UTF-8 encoding never has fewer bytes than the string has UTF-16 code units, and never more
  // than three per unit, so most keys are settled without encoding them.
  if (key.length <= MAX_KEY_BYTES / 3) return undefined;
  if (key.length > MAX_KEY_BYTES || Buffer.byteLength(key, 'utf8') > MAX_KEY_BYTES) return TOO_LONG;
  return undefined;
}

/**
 * Why `key` cannot be stored, or undefined when it can. Any non-empty, well-formed Unicode string
 * of at most MAX_KEY_BYTES UTF-8 bytes is a key ("/" and NUL included).
 */
export function keyProblem(key: string): string | undefined {
  const lengthProblem = keyLengthProblem(key);
  if (lengthProblem !== undefined) return lengthProblem;
  // A lone surrogate would be stored as U+FFFD, silently merging distinct keys.
  if (!isWellFormedText(key)) return 'key is not well-formed Unicode (lone surrogate)';
  return undefined;
}
