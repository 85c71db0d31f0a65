// One connection, served to the end by the calling thread with blocking calls:
// recv() -> engine -> send() every byte -> recv() ... until either side closes.
//
// Deadlines are SO_RCVTIMEO values, set before each recv() to the time left:
// - between requests (session "idle"): the keep-alive idle timeout, then close silently;
// - inside a request (session "receiving"): the request timeout, measured from the first byte
//   of that request, then the engine's 408 and close.
// A peer that stops reading is bounded by SO_SNDTIMEO (set once per connection): a send()
// that makes no progress for idleTimeoutMs returns EAGAIN and the connection is dropped.
import { performance } from 'node:perf_hooks';
import { HttpSession } from '../http/index.js';
import type { Handler, HttpLimits, SessionOutput } from '../http/types.js';
import { EAGAIN, EINTR, SO_RCVTIMEO, SO_SNDTIMEO, libc, sendAll, setNoDelay, setTimeoutOption } from './libc.js';
import { ACTIVE, IDLE, NONE, type SharedState } from './shared-state.js';

export interface ConnectionContext {
  handler: Handler;
  limits: HttpLimits;
  requestTimeoutMs: number;
  idleTimeoutMs: number;
  /** Where this thread publishes its connection so close() can wake it. */
  shared: SharedState;
  slot: number;
  /** The thread's reusable read buffer. The engine copies what it keeps of a chunk before
   *  receive() returns, and every response is sent before the next recv(), so reuse is safe. */
  readBuffer: Buffer;
}

/** Responses up to this size are joined into one send(); larger ones go out part by part. */
const COALESCE_BYTES = 64 * 1024;

/** Sends a session's output. False when the connection is no longer usable. */
function sendOutput(fd: number, out: SessionOutput): boolean {
  if (out.data.length === 0) return true;
  let total = 0;
  for (const b of out.data) total += b.length;
  if (out.data.length > 1 && total <= COALESCE_BYTES) {
    // One syscall, one TCP segment for a head + body (or for several pipelined responses).
    return sendAll(fd, Buffer.concat(out.data, total)) === 0;
  }
  for (const b of out.data) if (sendAll(fd, b) !== 0) return false;
  return true;
}

/** Serves `fd` until it closes, then closes it. Never throws for I/O errors: they end only
 *  this connection. */
export function serveConnection(fd: number, ctx: ConnectionContext): void {
  const c = libc();
  const { shared, slot, readBuffer } = ctx;
  shared.setSlot(slot, ACTIVE, fd);
  try {
    setNoDelay(fd);
    if (ctx.idleTimeoutMs > 0) setTimeoutOption(fd, SO_SNDTIMEO, ctx.idleTimeoutMs);
    const session = new HttpSession(ctx.handler, ctx.limits);
    // The idle clock runs from accept() and from each response; the request clock from the
    // first byte of each request.
    let deadline = performance.now() + ctx.idleTimeoutMs;
    let timeoutSet = -1;
    for (;;) {
      const phase = session.phase;
      if (phase === 'closed') return;
      const now = performance.now();
      if (phase === 'idle') {
        // Publish "idle in recv" before looking at the stop flag: close() sets the flag before
        // it scans the slots, so either we see the flag or it sees IDLE and wakes our recv().
        shared.setSlot(slot, IDLE, fd);
        if (shared.stopping) return;
      }
      const left = Math.ceil(deadline - now);
      if (left <= 0) {
        // Idle: close silently. Receiving: the engine answers 408 and asks to close.
        if (phase === 'receiving') sendOutput(fd, session.timeout());
        return;
      }
      if (left !== timeoutSet) {
        setTimeoutOption(fd, SO_RCVTIMEO, left);
        timeoutSet = left;
      }
      const n = c.recv(fd, readBuffer, readBuffer.length, 0);
      const errno = n < 0 ? c.errno() : 0;
      if (phase === 'idle') shared.setSlot(slot, ACTIVE, fd);
      if (n > 0) {
        const out = session.receive(readBuffer.subarray(0, n));
        const answered = out.data.length > 0;
        if (session.phase === 'idle' && answered) {
          deadline = performance.now() + ctx.idleTimeoutMs;
        } else if (session.phase === 'receiving' && (phase === 'idle' || answered)) {
          // A new request's clock starts at its first byte: bytes arrived while idle, or this
          // chunk finished a request (a response came out) and began the next one.
          deadline = performance.now() + ctx.requestTimeoutMs;
        }
        if (!sendOutput(fd, out) || out.close) return;
      } else if (n === 0) {
        // EOF (or shutdown(SHUT_RD) by close()): the engine may still have something to say.
        sendOutput(fd, session.receive(null));
        return;
      } else if (errno === EINTR || errno === EAGAIN) {
        // EINTR: retry. EAGAIN: SO_RCVTIMEO expired; the loop re-checks the deadline.
        continue;
      } else {
        return; // ECONNRESET and friends: this connection only.
      }
    }
  } finally {
    // Leave the slot before closing: after this the main thread will not touch the fd number.
    shared.setSlot(slot, NONE);
    c.close(fd);
  }
}
