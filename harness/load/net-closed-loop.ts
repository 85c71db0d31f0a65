// The node:net closed-loop load: `connections` sockets, each cycling through its own list of
// pre-built request bytes with up to `pipelining` requests in flight, sending the next request when
// an answer arrives. Every answer is framed (response-framer.ts), checked against the status its
// request expected and, inside the measured window, its latency recorded in µs (WindowRecorder,
// shared with the other drivers so every driver counts alike).
//
// Kept lean because the driver must not be what limits a measurement (issue 12: autocannon used
// 90-97% of its core against the fastest server): no allocation per response (reads land in one
// reused buffer per connection via `onread`, in-flight requests sit in fixed rings of typed arrays),
// requests are written as the Buffers built before the load, and one clock read serves every
// response of a read. Latency runs from when the request was written to when the read holding its
// whole response arrived.
import net from 'node:net';
import { ResponseFramer } from './response-framer.js';
import type { WindowRecorder } from './window-recorder.js';
import type { PlannedRequest } from './workloads.js';

export interface PreparedRequest {
  request: PlannedRequest;
  bytes: Buffer;
}

export interface ClosedLoopOptions {
  host: string;
  port: number;
  pipelining: number;
  /** A request unanswered this long counts as a timeout; its connection is replaced. */
  timeoutMs: number;
  /** One list per connection. */
  lists: readonly (readonly PreparedRequest[])[];
  /** Bytes of each connection's read buffer. */
  readBufferBytes?: number;
}

const RECONNECT_DELAY_MS = 10;

class Connection {
  socket: net.Socket | null = null;
  /** Next list position to send. */
  cursor = 0;
  // Ring of requests in flight, oldest at `head`.
  readonly sentAt: Float64Array;
  readonly listIndex: Int32Array;
  head = 0;
  inFlight = 0;
  readonly framer = new ResponseFramer();
  readonly readBuffer: Buffer;
  /** Time of the read being framed (one clock read per read, shared by its responses). */
  now = 0;
  /** The per-response step, made once per connection. */
  sink: ((status: number) => void) | null = null;

  constructor(
    readonly list: readonly PreparedRequest[],
    pipelining: number,
    readBufferBytes: number,
  ) {
    this.sentAt = new Float64Array(pipelining);
    this.listIndex = new Int32Array(pipelining);
    this.readBuffer = Buffer.allocUnsafe(readBufferBytes);
  }

  // invariant (every `]!` on a Connection, here and in ClosedLoopLoad, the per-request hot path):
  // a slot index is taken modulo pipelining, the length of sentAt and listIndex, and listIndex
  // only holds indexes into `list` (fill() writes cursor, which wraps at list.length).
  /** The requests in flight, oldest first. */
  pending(): PlannedRequest[] {
    const out: PlannedRequest[] = [];
    for (let k = 0; k < this.inFlight; k++) out.push(this.list[this.listIndex[(this.head + k) % this.listIndex.length]!]!.request);
    return out;
  }
}

export class ClosedLoopLoad {
  /** Inside the measured window: responses count and latencies are recorded. */
  measuring = false;
  private stopped = false;
  private readonly conns: Connection[];
  private timeoutTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: ClosedLoopOptions,
    private readonly recorder: WindowRecorder,
  ) {
    if (options.pipelining < 1) throw new Error('pipelining must be at least 1');
    if (options.lists.some((l) => l.length === 0)) throw new Error('every connection needs at least one request');
    this.conns = options.lists.map((list) => new Connection(list, options.pipelining, options.readBufferBytes ?? 65_536));
  }

  start(): void {
    for (const conn of this.conns) this.connect(conn);
    // One coarse check instead of a timer per request.
    const every = Math.max(50, Math.min(1000, this.options.timeoutMs / 4));
    this.timeoutTimer = setInterval(() => this.checkTimeouts(), every);
  }

  /** Closes every connection. Writes still in flight have an unknown outcome (rows check). */
  stop(): void {
    this.stopped = true;
    this.measuring = false;
    if (this.timeoutTimer) clearInterval(this.timeoutTimer);
    for (const conn of this.conns) {
      for (const request of conn.pending()) this.recorder.uncertain(request);
      conn.inFlight = 0;
      conn.socket?.destroy();
      conn.socket = null;
    }
  }

  private connect(conn: Connection): void {
    conn.framer.reset();
    conn.head = 0;
    conn.inFlight = 0;
    const socket: net.Socket = net.connect({
      host: this.options.host,
      port: this.options.port,
      noDelay: true,
      onread: {
        buffer: conn.readBuffer,
        callback: (nread: number, buf: Uint8Array): boolean => this.onRead(conn, socket, nread, buf as Buffer),
      },
    });
    conn.socket = socket;
    socket.once('connect', () => this.fill(conn, performance.now()));
    socket.on('error', () => {});
    socket.once('close', () => this.onClose(conn, socket));
  }

  private onRead(conn: Connection, socket: net.Socket, nread: number, buf: Buffer): boolean {
    if (conn.socket !== socket) return false;
    conn.now = performance.now();
    if (!conn.framer.push(buf, nread, conn.sink ?? this.makeSink(conn)) || conn.framer.error !== null) {
      this.drop(conn, 'other', `bad response: ${conn.framer.error}`);
      return false;
    }
    // The read's clock serves as the send time of the requests it releases (no second clock read).
    if (conn.socket === socket) this.fill(conn, conn.now);
    return true;
  }

  /** The per-response step, made once per connection (a closure per connection, not per response). */
  private makeSink(conn: Connection): (status: number) => void {
    const sink = (status: number) => {
      if (conn.inFlight === 0) {
        // An answer nobody asked for: the framing of this connection can no longer be trusted.
        conn.framer.error = 'a response without a request';
        return;
      }
      const slot = conn.head;
      conn.head = slot + 1 === conn.sentAt.length ? 0 : slot + 1;
      conn.inFlight--;
      const request = conn.list[conn.listIndex[slot]!]!.request;
      this.recorder.acknowledge(request, status);
      if (!this.measuring) return;
      this.recorder.status(request, status);
      this.recorder.latency((conn.now - conn.sentAt[slot]!) * 1000);
    };
    conn.sink = sink;
    return sink;
  }

  /** Tops the connection up to `pipelining` requests in flight. */
  private fill(conn: Connection, now: number): void {
    const socket = conn.socket;
    if (!socket || this.stopped || socket.connecting) return;
    const room = conn.sentAt.length - conn.inFlight;
    if (room <= 0) return;
    const many = room > 1;
    if (many) socket.cork();
    for (let k = 0; k < room; k++) {
      const index = conn.cursor;
      conn.cursor = index + 1 === conn.list.length ? 0 : index + 1;
      let slot = conn.head + conn.inFlight;
      if (slot >= conn.sentAt.length) slot -= conn.sentAt.length;
      conn.sentAt[slot] = now;
      conn.listIndex[slot] = index;
      conn.inFlight++;
      socket.write(conn.list[index]!.bytes);
    }
    if (many) socket.uncork();
  }

  private checkTimeouts(): void {
    const now = performance.now();
    for (const conn of this.conns) {
      if (conn.socket && conn.inFlight > 0 && now - conn.sentAt[conn.head]! > this.options.timeoutMs) this.drop(conn, 'timeout');
    }
  }

  /** Gives up on a connection: its requests in flight fail as `kind`, and it is replaced. */
  private drop(conn: Connection, kind: 'timeout' | 'connection' | 'other', message = ''): void {
    const socket = conn.socket;
    this.failInFlight(conn, kind, message);
    conn.socket = null;
    socket?.destroy();
    if (!this.stopped) setTimeout(() => this.stopped || this.connect(conn), RECONNECT_DELAY_MS);
  }

  private onClose(conn: Connection, socket: net.Socket): void {
    if (conn.socket !== socket) return; // replaced or stopped already
    conn.socket = null;
    this.failInFlight(conn, 'connection', '');
    if (!this.stopped) setTimeout(() => this.stopped || this.connect(conn), RECONNECT_DELAY_MS);
  }

  private failInFlight(conn: Connection, kind: 'timeout' | 'connection' | 'other', message: string): void {
    const lost = conn.pending();
    // Sent but unanswered: the server may or may not have committed these writes. The list
    // position stays past them, so a crud cycle continues with what follows what was sent.
    for (const request of lost) this.recorder.uncertain(request);
    if (this.measuring) {
      // A connection that failed with nothing in flight (refused, reset before a send) still
      // cost a request.
      for (let k = 0; k < Math.max(1, lost.length); k++) this.recorder.failure(kind, message);
    }
    conn.inFlight = 0;
    conn.head = 0;
  }
}
