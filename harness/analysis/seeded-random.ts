// A seeded PRNG (mulberry32) shared by the request lists (which keys each connection asks for) and
// the statistics' simulation tests: the same seed always gives the same sequence, so a run's
// request lists and a test's synthetic rounds are reproducible.

/** mulberry32: a tiny, well-mixed 32-bit PRNG; values in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
