// Peak-RSS ceilings the reliability tests hold the servers to. They are not tight fits: they
// sit well above what was measured (docs/RELIABILITY.md) so that noise does not fail them, but
// far below what a server that buffers hostile input (1 MiB headers, 100 MiB bodies, 200
// unread 512 KiB responses per connection) would reach.
//
// sync is higher because every pool thread is a worker_thread with its own V8 isolate and
// SQLite connection (~10 MB each): memory follows the thread count, which --max-threads caps.
export const PEAK_RSS_BOUND_MIB: Record<string, number> = {
  async: 400,
  sync: 1_200,
};
