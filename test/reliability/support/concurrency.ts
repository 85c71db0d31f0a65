// Small helpers for bounded concurrency and bounded waiting in the reliability scenarios.

/** Runs `task(i)` for i in [0, count) with at most `limit` in flight; resolves with the results
 *  in order (each a settled outcome, so one failure does not hide the others). */
export async function mapLimit<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const results: PromiseSettledResult<T>[] = new Array(count);
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await task(i) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, count) }, lane));
  return results;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `condition` every `everyMs` until it is true or `timeoutMs` passed; returns whether it held. */
export async function waitFor(condition: () => boolean, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** A one-line summary of why some settled results were rejected (first few distinct reasons). */
export function rejectionSummary(results: PromiseSettledResult<unknown>[]): string {
  const reasons = new Map<string, number>();
  for (const r of results) {
    if (r.status === 'rejected') {
      const msg = (r.reason as Error)?.message ?? String(r.reason);
      reasons.set(msg, (reasons.get(msg) ?? 0) + 1);
    }
  }
  return [...reasons]
    .slice(0, 5)
    .map(([m, n]) => `${n}x ${m}`)
    .join('; ');
}
