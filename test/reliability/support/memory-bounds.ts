// Peak-RSS ceilings the reliability tests hold the servers to. They are not tight fits: they
// sit well above what was measured (docs/RELIABILITY.md) so that noise does not fail them, but
// far below what a server that buffers hostile input (1 MiB headers, 100 MiB bodies, 200
// unread responses per connection, thousands of connections) would reach.
//
// async: one fixed ceiling. sync: every pool thread is a worker_thread with its own V8 isolate
// and SQLite connection (~12 MiB idle, more once its heap has worked), so its ceiling is per
// thread, times the most threads the process had (which --max-threads caps).
const ASYNC_CEILING_MIB = 400;
const SYNC_BASE_MIB = 128;
const SYNC_PER_THREAD_MIB = 24;

export function peakRssBoundMiB(kind: string, peakThreads: number): number {
  return kind === 'sync' ? SYNC_BASE_MIB + SYNC_PER_THREAD_MIB * peakThreads : ASYNC_CEILING_MIB;
}
