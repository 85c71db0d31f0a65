// must(): the one helper for an index or lookup that cannot miss when the code is right. It lives
// at harness/'s root beside exit-codes.ts because no room owns it: harness/, cli/, bench/ and the
// tests all use it, and servers/ (which imports nothing from harness/) checks its reads in place.
// It throws instead of asserting, so a broken invariant fails loudly with its name, not later as
// "cannot read properties of undefined".

/** The value, or an Error saying which invariant broke ("the first round of a cell is missing"). */
export function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`internal error: ${what} is missing`);
  return value;
}
