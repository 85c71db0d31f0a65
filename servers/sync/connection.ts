// One connection, served to the end by the calling thread with blocking calls:
// recv() -> engine -> send() every byte -> recv() ... until either side closes.
//
// Deadlines are SO_RCVTIMEO values, set before each recv() to the time left:
// - between requests (session "idle"): the keep-alive idle timeout, then close silently;
// - inside a request (session "receiving"): the request timeout, measured from the first byte
//   of that request, then the engine's 408 and close.
// Which one applies is the session phase; when it restarts, the engine says
// (SessionOutput.restartTimer, docs/ENGINE.md "Timeout contract for drivers").
// A peer that stops reading is bounded by SO_SNDTIMEO (set once per connection): a send()
// that makes no progress for idleTimeoutMs returns EAGAIN and the connection is dropped.
//
// Pipelined requests: one receive() answers at most the session's output budget; when it says
// `more`, the thread sends that, then resume()s, and reads nothing new until `more` is false.
// The blocking send() is the backpressure: a client that does not read its answers holds this
// thread in send(), not our memory.
//
// Closing when the engine asks to (an error response, Connection: close, a 408) is a lingering
// close: shutdown(SHUT_WR) sends our FIN after the last response, then the input the peer is
// still sending is read and discarded until its FIN (or LINGER_MS). Closing a socket with unread
// input makes the kernel answer RST, and a RST can destroy a response the client has not read
// yet: a client still uploading a refused body would see ECONNRESET instead of its 413.
import { performance } from 'node:perf_hooks';
import { HttpSession } from '../http/index.js';
import type { Handler, HttpLimits, SessionOutput } from '../http/types.js';
import { EAGAIN, EINTR, SHUT_WR, SO_RCVTIMEO, SO_SNDTIMEO, libc, sendAll, setNoDelay, setTimeoutOption } from './libc.js';
import { ACTIVE, IDLE, NONE, type SharedState } from './shared-state.js';
import { LINGER_MS } from '../socket-lifecycle.js';

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

/** A connection context, made in one place: V8 optimizes serveConnection for the context's
 *  shape, and the warm start (prewarm.ts) runs it with its own context before the thread's real
 *  one exists; a context shaped differently (an object spread, another key order) would undo
 *  that at the first real connection (measured: a "wrong map" deoptimization in every thread). */
export function connectionContext(c: ConnectionContext): ConnectionContext {
  return {
    handler: c.handler,
    limits: c.limits,
    requestTimeoutMs: c.requestTimeoutMs,
    idleTimeoutMs: c.idleTimeoutMs,
    shared: c.shared,
    slot: c.slot,
    readBuffer: c.readBuffer,
  };
}

/** Responses up to this size are joined into one send(); larger ones go out part by part. */
const COALESCE_BYTES = 64 * 1024;

/** A closing connection keeps reading (and discarding) after our FIN for LINGER_MS at most, as
 *  every server does; bounded in bytes too, so a peer streaming at full speed cannot hold the
 *  thread for the whole time. */
const LINGER_MAX_BYTES = 16 * 1024 * 1024;

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

/** Sends `out`, then, while the session held back answers to buffered pipelined requests
 *  (`more`), resumes it and sends those, before anything new is read. Returns the last output
 *  (its `close` says whether to close) carrying the latest timer restart of the series, or null
 *  when the connection is no longer usable. */
function sendAllOutput(fd: number, session: HttpSession, out: SessionOutput): SessionOutput | null {
  let restartTimer = out.restartTimer;
  for (;;) {
    if (!sendOutput(fd, out)) return null;
    if (!out.more || out.close) return restartTimer === out.restartTimer ? out : { ...out, restartTimer };
    out = session.resume();
    restartTimer = out.restartTimer ?? restartTimer;
  }
}

/**
 * The lingering close (see the top of this file): FIN first, then discard what the peer still
 * sends until its FIN, an error, LINGER_MS or LINGER_MAX_BYTES. Most peers close at once on a
 * `Connection: close` response, so this usually costs one recv() that returns 0.
 */
function lingerBeforeClose(fd: number, buffer: Buffer): void {
  const c = libc();
  if (c.shutdown(fd, SHUT_WR) !== 0) return;
  const end = performance.now() + LINGER_MS;
  let discarded = 0;
  for (;;) {
    const left = Math.ceil(end - performance.now());
    if (left <= 0 || discarded > LINGER_MAX_BYTES) return;
    setTimeoutOption(fd, SO_RCVTIMEO, left);
    const n = c.recv(fd, buffer, buffer.length, 0);
    if (n > 0) discarded += n;
    else if (n === 0) return;
    else if (c.errno() !== EINTR && c.errno() !== EAGAIN) return;
  }
}

/** Serves `fd` until it closes, then closes it. Never throws for I/O errors: they end only
 *  this connection. */
export function serveConnection(fd: number, ctx: ConnectionContext): void {
  const c = libc();
  const { shared, slot, readBuffer } = ctx;
  shared.setSlot(slot, ACTIVE, fd);
  // Set when the engine closes the connection after answering: linger before close().
  let linger = false;
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
        if (phase === 'receiving') linger = sendOutput(fd, session.timeout());
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
        const last = sendAllOutput(fd, session, out);
        if (last === null) return;
        if (last.close) {
          linger = true;
          return;
        }
        // Clocks restart, as the engine says, once the answers are out (after any resume()s).
        if (last.restartTimer === 'idle') deadline = performance.now() + ctx.idleTimeoutMs;
        else if (last.restartTimer === 'request') deadline = performance.now() + ctx.requestTimeoutMs;
      } else if (n === 0) {
        // EOF (or shutdown(SHUT_RD) by close()): the engine may still have something to say.
        sendOutput(fd, session.receive(null));
        return;
      } else if (errno === EINTR || errno === EAGAIN) {
        // EINTR: retry. EAGAIN: SO_RCVTIMEO expired; the loop re-checks the deadline.
      } else {
        return; // ECONNRESET and friends: this connection only.
      }
    }
  } finally {
    if (linger) lingerBeforeClose(fd, readBuffer);
    // Leave the slot before closing: after this the main thread will not touch the fd number.
    shared.setSlot(slot, NONE);
    c.close(fd);
  }
}
