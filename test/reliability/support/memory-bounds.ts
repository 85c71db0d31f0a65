// Peak-RSS ceilings the reliability tests hold the servers to. They are not tight fits: they
// sit well above what was measured (docs/RELIABILITY.md) so that noise does not fail them, but
// far below what a server that buffers hostile input (1 MiB headers, 100 MiB bodies, 200
// unread responses per connection, thousands of connections) would reach.
//
// async: one fixed ceiling. sync: every pool thread is a worker_thread with its own V8 isolate
// and SQLite connection (~12 MiB idle, more once its heap has worked), so its ceiling is per
// thread, times the most threads the process had (which --max-threads caps). Per thread: 19.6 MiB
// measured before the warm start (1,648 MiB at 84 threads under hostile clients, 2026-11-24), 26.5
// MiB with it (2,096 MiB at 79 threads, a 64-thread floor each warmed on ~5,000 synthetic requests,
// 2026-11-30): the warm start's compiled code and grown heaps stay with each floor thread.
const ASYNC_CEILING_MIB = 400;
const SYNC_BASE_MIB = 128;
const SYNC_PER_THREAD_MIB = 32;

export function peakRssBoundMiB(kind: string, peakThreads: number): number {
  return kind === 'sync' ? SYNC_BASE_MIB + SYNC_PER_THREAD_MIB * peakThreads : ASYNC_CEILING_MIB;
}
