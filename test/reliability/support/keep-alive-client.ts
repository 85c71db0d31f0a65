// A minimal keep-alive HTTP/1.1 client over node:net for the reliability loads: one request in
// flight per connection, responses parsed as raw bytes by the e2e parser (so nothing between
// the test and the server hides a malformed answer). Many of these run side by side as "the
// normal load"; each one is cheap (no agent, no pool, no retries: a failure is reported, never
// papered over).
import net from 'node:net';
import { parseResponses, type ParsedResponse } from '../../e2e/support/http-response.js';

export class KeepAliveClient {
  private chunks: Buffer[] = [];
  private pending: {
    resolve: (r: ParsedResponse) => void;
    reject: (e: Error) => void;
    isHead: boolean;
    timer: NodeJS.Timeout;
  } | null = null;
  private closedReason: string | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.tryComplete();
    });
    socket.on('error', (err) => this.fail(`socket error: ${err.message}`));
    socket.on('close', () => this.fail('connection closed by the server'));
  }

  /** Connects to 127.0.0.1:port; rejects after `timeoutMs` (a SYN that is never answered). */
  static connect(port: number, timeoutMs = 30_000): Promise<KeepAliveClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`connect timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeAllListeners('error');
        resolve(new KeepAliveClient(socket));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  get isClosed(): boolean {
    return this.closedReason !== null;
  }

  /** Sends one request and resolves with its response; rejects on close, error or timeout. */
  request(bytes: Buffer, options: { isHead?: boolean; timeoutMs?: number } = {}): Promise<ParsedResponse> {
    if (this.pending) return Promise.reject(new Error('a request is already in flight on this connection'));
    if (this.closedReason !== null) return Promise.reject(new Error(this.closedReason));
    return new Promise((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 30_000;
      const timer = setTimeout(() => {
        this.fail(`no response within ${timeoutMs} ms`);
        this.socket.destroy();
      }, timeoutMs);
      this.pending = { resolve, reject, isHead: options.isHead ?? false, timer };
      this.socket.write(bytes);
    });
  }

  close(): void {
    this.closedReason ??= 'closed by the client';
    this.socket.destroy();
  }

  private tryComplete(): void {
    const p = this.pending;
    if (!p) return;
    const only = this.chunks[0];
    const data = this.chunks.length === 1 && only !== undefined ? only : Buffer.concat(this.chunks);
    const { responses, rest } = parseResponses(data, { isHead: () => p.isHead });
    const r = responses[0];
    if (r === undefined) {
      this.chunks = [data];
      return;
    }
    this.chunks = rest.length > 0 ? [rest] : [];
    this.pending = null;
    clearTimeout(p.timer);
    // Copy the body out: it is a view into a buffer this client reuses.
    p.resolve({ ...r, body: Buffer.from(r.body), raw: Buffer.alloc(0) });
  }

  private fail(reason: string): void {
    this.closedReason ??= reason;
    const p = this.pending;
    if (!p) return;
    // A response that arrived complete just before the close still counts.
    this.tryComplete();
    if (this.pending !== p) return;
    this.pending = null;
    clearTimeout(p.timer);
    p.reject(new Error(reason));
  }
}
