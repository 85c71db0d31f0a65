// One client connection on the event loop: moves bytes between a net.Socket and the shared
// sans-I/O engine (HttpSession). The engine owns every protocol decision; this file only decides
// when to read, when to write, and when to close.
import type { Socket } from 'node:net';
import { HttpSession } from '../http/index.js';
import type { Handler, HttpLimits, SessionOutput } from '../http/types.js';

/** Stop reading a connection once this much of its output is still unsent (a client that
 *  pipelines requests but does not read its responses must not grow our memory without bound). */
export const OUTPUT_HIGH_WATER_BYTES = 256 * 1024;

/** A received chunk larger than this is fed to the engine in slices of this size, with a
 *  backpressure check between slices, so one 64 KiB read of tiny pipelined GETs cannot queue
 *  an unbounded amount of response bytes at once. Typical chunks are far smaller and go whole. */
const FEED_SLICE_BYTES = 16 * 1024;

/** A handler that throws is a bug in the routes: the client gets a 500 from the engine, and
 *  the operator gets the stack on stderr. */
function reportHandlerError(error: unknown): void {
  process.stderr.write(`handler error (answered 500): ${(error as Error)?.stack ?? String(error)}\n`);
}

export class Connection {
  readonly session: HttpSession;
  /** Performance.now()-style ms (from the sweeper's clock) of the last moment the engine said a
   *  timer restarts (SessionOutput.restartTimer), or of accept / a drain while idle. */
  phaseSince: number;
  /** Set once we have decided to close: we have sent FIN and ignore anything the client sends. */
  closingSince = -1;
  /** The server is shutting down: close as soon as no request is in flight. */
  private draining = false;
  /** Bytes received while paused for backpressure, fed once the socket drains. */
  private pending: Buffer | null = null;
  /** The engine holds complete requests it has not answered yet (see SessionOutput.more). */
  private resumeNeeded = false;

  constructor(
    readonly socket: Socket,
    handler: Handler,
    limits: HttpLimits,
    private readonly clock: () => number,
  ) {
    this.session = new HttpSession(handler, limits, { onHandlerError: reportHandlerError });
    this.phaseSince = clock();
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // allowHalfOpen is false on the server, so Node ends our side when the client ends its own;
    // the engine still gets to answer a request that arrived complete just before the FIN.
    socket.on('end', () => this.onEnd());
    socket.on('drain', () => this.onDrain());
    // Resets and writes to a closed peer are routine on a server; the 'close' event cleans up.
    socket.on('error', () => {});
  }

  get closing(): boolean {
    return this.closingSince >= 0;
  }

  private onData(chunk: Buffer): void {
    if (this.closing) return; // lingering after our FIN: discard, see close()
    if (this.pending !== null || this.resumeNeeded) {
      // Paused but a read was already in flight: queue it behind what is waiting.
      this.pending = this.pending === null ? chunk : Buffer.concat([this.pending, chunk]);
      return;
    }
    this.feed(chunk);
  }

  /** Feeds bytes to the engine, slice by slice, until they are used up or the output backs up. */
  private feed(bytes: Buffer): void {
    let offset = 0;
    while (offset < bytes.length) {
      const end = bytes.length - offset <= FEED_SLICE_BYTES ? bytes.length : offset + FEED_SLICE_BYTES;
      const slice = offset === 0 && end === bytes.length ? bytes : bytes.subarray(offset, end);
      offset = end;
      const out = this.session.receive(slice);
      this.noteTimer(out);
      if (this.send(out)) return;
      if (out.more && !this.answerBuffered()) {
        if (this.closing) return;
        // Output backed up with requests still buffered in the engine: wait for 'drain'.
        if (offset < bytes.length) this.pending = bytes.subarray(offset);
        this.socket.pause();
        return;
      }
      if (this.socket.writableLength > OUTPUT_HIGH_WATER_BYTES) {
        if (offset < bytes.length) this.pending = bytes.subarray(offset);
        this.socket.pause();
        return;
      }
    }
    if (this.socket.writableLength > OUTPUT_HIGH_WATER_BYTES) this.socket.pause();
  }

  /** Answers pipelined requests the engine still holds (it stopped at its output budget), as
   *  long as the socket keeps up. False when output backed up first (or we are closing). */
  private answerBuffered(): boolean {
    this.resumeNeeded = true;
    while (this.socket.writableLength <= OUTPUT_HIGH_WATER_BYTES) {
      const out = this.session.resume();
      this.noteTimer(out);
      if (this.send(out)) return false;
      if (!out.more) {
        this.resumeNeeded = false;
        return true;
      }
    }
    return false;
  }

  private onDrain(): void {
    if (this.closing) return;
    if (this.session.phase === 'idle') this.phaseSince = this.clock(); // a slow reader is not idle
    if (this.resumeNeeded && !this.answerBuffered()) return;
    const pending = this.pending;
    this.pending = null;
    if (pending !== null) this.feed(pending);
    if (this.pending === null && !this.closing && this.socket.writableLength <= OUTPUT_HIGH_WATER_BYTES) {
      this.socket.resume();
    }
  }

  private onEnd(): void {
    if (this.closing) return;
    // The engine answers nothing at EOF (a partial request can never complete), and Node has
    // already ended our side (allowHalfOpen is false): just let the session release its state.
    this.session.receive(null);
    this.closingSince = this.clock();
  }

  /** Restarts the timer the engine says restarts (the sweeper picks which one applies from the
   *  session phase). */
  private noteTimer(out: SessionOutput): void {
    if (out.restartTimer !== undefined) this.phaseSince = this.clock();
  }

  /** Writes the engine's output; pipelined responses leave in one writev. Returns true when the
   *  connection is now closing. */
  private send(out: SessionOutput): boolean {
    const data = out.data;
    const only = data[0];
    if (data.length === 1 && only !== undefined) {
      this.socket.write(only);
    } else if (data.length > 1) {
      this.socket.cork();
      for (const b of data) this.socket.write(b);
      this.socket.uncork();
    }
    if (out.close || this.session.phase === 'closed' || (this.draining && this.session.phase === 'idle')) {
      this.close();
      return true;
    }
    return false;
  }

  /** Called by the sweeper when the request or idle timer has run out. */
  expire(): void {
    if (this.closing) return;
    if (this.session.phase === 'receiving') {
      const out = this.session.timeout(); // 408 Request Timeout
      this.send({ data: out.data, close: true });
    } else {
      this.close(); // idle keep-alive: close silently
    }
  }

  /** Graceful shutdown: idle connections close now, busy ones after their current request. */
  drain(): void {
    this.draining = true;
    if (!this.closing && this.session.phase === 'idle' && this.pending === null && !this.resumeNeeded) this.close();
  }

  /** Sends FIN after the queued output, then keeps reading (and discarding) until the client
   *  closes too or the sweeper gives up: destroying a socket with unread input makes the kernel
   *  send RST, which can wipe out the response we just wrote (e.g. a 413 before the body). */
  close(): void {
    if (this.closing) return;
    this.closingSince = this.clock();
    this.pending = null;
    this.socket.end();
    this.socket.resume();
  }
}
