// Talking to a server over raw TCP (node:net), byte for byte, so the tests control exactly what
// is sent (pipelining, one byte at a time, malformed input) and see exactly what comes back.
import net from 'node:net';
import { parseResponses, type ParsedResponse } from './http-response.js';

export type Bytes = Buffer | string;
const toBuffer = (b: Bytes) => (typeof b === 'string' ? Buffer.from(b, 'latin1') : b);

/** One client connection with a receive buffer the test reads from step by step. */
export class RawConnection {
  /** Received bytes not yet taken live in store[head, tail); the store grows by doubling, so
   *  megabytes of pipelined responses arrive in linear time. */
  private store = Buffer.alloc(64 * 1024);
  private head = 0;
  private tail = 0;
  private closedFlag = false;
  private waiters: Array<() => void> = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.append(chunk);
      this.wake();
    });
    socket.on('error', () => {}); // a reset is a close as far as these tests go
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        this.wake();
        resolve();
      }),
    );
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host, noDelay: true });
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new RawConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  write(bytes: Bytes): Promise<void> {
    return new Promise((resolve, reject) => this.socket.write(toBuffer(bytes), (err) => (err ? reject(err) : resolve())));
  }

  /** Sends the bytes one at a time, each in its own write (and, with gapMs, its own segment). */
  async writeByteByByte(bytes: Bytes, gapMs = 0): Promise<void> {
    const b = toBuffer(bytes);
    for (let i = 0; i < b.length; i++) {
      await this.write(b.subarray(i, i + 1));
      if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
    }
  }

  /** Everything received so far that was not taken by readResponses(). */
  buffered(): Buffer {
    return this.store.subarray(this.head, this.tail);
  }

  private append(chunk: Buffer): void {
    if (this.tail + chunk.length > this.store.length) {
      const live = this.tail - this.head;
      // Views handed out earlier keep pointing into the old store, which is never written again.
      const grown = Buffer.alloc(Math.max(this.store.length * 2, live + chunk.length));
      this.store.copy(grown, 0, this.head, this.tail);
      this.store = grown;
      this.head = 0;
      this.tail = live;
    }
    chunk.copy(this.store, this.tail);
    this.tail += chunk.length;
  }

  /** Waits until `count` whole responses have arrived and takes them off the buffer. */
  async readResponses(count: number, options: { isHead?: (i: number) => boolean; timeoutMs?: number } = {}): Promise<ParsedResponse[]> {
    const deadline = Date.now() + (options.timeoutMs ?? 5_000);
    const taken: ParsedResponse[] = [];
    for (;;) {
      // Parse only what arrived since the last pass (responses already parsed are kept).
      const before = taken.length;
      const { responses, rest } = parseResponses(this.buffered(), {
        isHead: (i) => options.isHead?.(before + i) ?? false,
        complete: this.closedFlag,
      });
      for (const r of responses) {
        if (taken.length === count) break;
        taken.push(r);
        this.head += r.raw.length;
      }
      if (taken.length >= count) return taken;
      if (this.closedFlag) {
        throw new Error(`connection closed after ${taken.length} of ${count} responses (${rest.length} stray bytes)`);
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} responses, got ${taken.length}`);
      await this.nextEvent(deadline - Date.now());
    }
  }

  async readResponse(options: { isHead?: boolean; timeoutMs?: number } = {}): Promise<ParsedResponse> {
    const [r] = await this.readResponses(1, { isHead: () => options.isHead ?? false, timeoutMs: options.timeoutMs });
    return r!;
  }

  /** Resolves true when the server closes within `timeoutMs`, false otherwise. */
  async waitClosed(timeoutMs = 5_000): Promise<boolean> {
    const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), timeoutMs).unref());
    return Promise.race([this.closed.then(() => true), timer]);
  }

  /** Waits until every byte up to the server's close has arrived; returns them. */
  async readUntilClosed(timeoutMs = 5_000): Promise<Buffer> {
    if (!(await this.waitClosed(timeoutMs))) throw new Error(`server did not close the connection within ${timeoutMs} ms`);
    return this.buffered();
  }

  end(): void {
    this.socket.end();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private nextEvent(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, Math.max(1, timeoutMs));
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Opens a connection, sends `bytes` in one write, and returns everything the server sends
 *  until it closes the connection (or, with `responses`, until that many whole responses came,
 *  when it returns without waiting for a close). */
export async function rawExchange(
  port: number,
  bytes: Bytes,
  options: { responses?: number; isHead?: (i: number) => boolean; timeoutMs?: number } = {},
): Promise<Buffer> {
  const conn = await RawConnection.connect(port);
  try {
    await conn.write(bytes);
    if (options.responses !== undefined) {
      const rs = await conn.readResponses(options.responses, options);
      return Buffer.concat(rs.map((r) => r.raw));
    }
    return await conn.readUntilClosed(options.timeoutMs);
  } finally {
    conn.destroy();
  }
}

/** One request/response on a fresh connection, parsed. */
export async function request(port: number, bytes: Bytes, isHead = false): Promise<ParsedResponse> {
  const conn = await RawConnection.connect(port);
  try {
    await conn.write(bytes);
    return await conn.readResponse({ isHead });
  } finally {
    conn.destroy();
  }
}

/** Builds request bytes: `req('PUT', '/keys/a', 'v')` with Host and Content-Length set; a
 *  string body is sent as UTF-8. */
export function req(method: string, target: string, body?: Bytes, extraHeaders: string[] = []): Buffer {
  const b = body === undefined ? undefined : typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...extraHeaders];
  if (b !== undefined) lines.push(`Content-Length: ${b.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), b ?? Buffer.alloc(0)]);
}
