// A handler module for the sync server's test seam (SyncTuning.handlerModule): no database, so
// the I/O layer and the pool are tested on their own. Plain JS because worker threads load it
// as-is. It answers with the serving thread's id, so tests can see which thread served what.
//   GET /slow?MS  -> blocks the thread MS milliseconds first (a request "in flight").
//   GET /big?N    -> a body of N bytes ("x"), to fill the session's output budget.
import { threadId } from 'node:worker_threads';

const pause = new Int32Array(new SharedArrayBuffer(4));

export function createHandler() {
  return {
    handler(request) {
      if (request.path === '/slow') Atomics.wait(pause, 0, 0, Number(request.query || 500));
      if (request.path === '/big') return { status: 200, body: Buffer.alloc(Number(request.query), 'x') };
      return {
        status: 200,
        headers: [['content-type', 'text/plain']],
        body: `thread ${threadId} ${request.method} ${request.target} ${request.body.length}`,
      };
    },
    close() {},
  };
}
