// Hostile clients: each function opens ONE connection to 127.0.0.1:port, misbehaves in one way,
// and reports what the server did ("408", "431", "closed", ...). They never wait unbounded: every
// one ends by the server closing, or by its own `giveUpMs`, after which it destroys the socket
// and reports "server kept it open" (which the tests count as a failure for the kinds of abuse
// the server must end itself).
import net from 'node:net';
import { randomBytes } from 'node:crypto';
import { sleep } from './concurrency.js';

export type HostileOutcome = string;

export const KEPT_OPEN = 'server kept it open';

interface Probe {
  socket: net.Socket;
  /** Resolves when the server closed (or reset) the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
  received(): Buffer;
}

function connect(port: number): Promise<Probe> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', noDelay: true });
    const chunks: Buffer[] = [];
    let closed = false;
    socket.on('data', (c: Buffer) => {
      if (chunks.length < 64) chunks.push(c); // only the start matters (the status line)
    });
    const closedP = new Promise<void>((r) =>
      socket.once('close', () => {
        closed = true;
        r();
      }),
    );
    socket.once('connect', () => {
      socket.on('error', () => {}); // EPIPE/ECONNRESET are expected outcomes here
      resolve({ socket, closed: closedP, isClosed: () => closed, received: () => Buffer.concat(chunks) });
    });
    socket.once('error', reject);
  });
}

/** "408" etc. from the first status line received, else "closed" (no answer) or KEPT_OPEN. */
function outcomeOf(p: Probe): HostileOutcome {
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(p.received().subarray(0, 32).toString('latin1'))?.[1];
  if (status !== undefined) return status;
  return p.isClosed() ? 'closed' : KEPT_OPEN;
}

async function waitClosed(p: Probe, giveUpMs: number): Promise<HostileOutcome> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.closed, new Promise<void>((r) => (timer = setTimeout(r, giveUpMs)))]);
  clearTimeout(timer);
  const outcome = outcomeOf(p);
  p.socket.destroy();
  return outcome;
}

/** Writes `bytes` in pieces of `piece` until done or the server closed. */
async function stream(p: Probe, total: number, piece: Buffer): Promise<void> {
  for (let sent = 0; sent < total && !p.isClosed() && !p.socket.destroyed; sent += piece.length) {
    if (!p.socket.write(piece)) {
      await Promise.race([new Promise((r) => p.socket.once('drain', r)), p.closed, sleep(1_000)]);
    }
  }
}

/** Slowloris: a head dribbled out one short header line every `dripMs`, never finished.
 *  The request timeout must end it (408). */
export async function slowlorisHead(port: number, dripMs: number, giveUpMs: number): Promise<HostileOutcome> {
  const p = await connect(port);
  p.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n');
  for (let i = 0; !p.isClosed() && i * dripMs < giveUpMs; i++) {
    await Promise.race([sleep(dripMs), p.closed]);
    if (!p.isClosed()) p.socket.write(i % 2 === 0 ? 'X-Drip: ' : `${i}\r\n`);
  }
  return waitClosed(p, 0);
}

/** A header field far larger than the header limit, streamed: 431. */
export async function giantHeader(port: number, bytes: number, giveUpMs: number): Promise<HostileOutcome> {
  const p = await connect(port);
  p.socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Giant: ');
  await stream(p, bytes, Buffer.alloc(16 * 1024, 'a'));
  return waitClosed(p, giveUpMs);
}

/** More header fields than allowed, each small: 431. */
export async function manyHeaders(port: number, count: number, giveUpMs: number): Promise<HostileOutcome> {
  const p = await connect(port);
  const lines = Array.from({ length: count }, (_, i) => `X-H${i}: v\r\n`).join('');
  p.socket.write(`GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n${lines}\r\n`);
  return waitClosed(p, giveUpMs);
}

/** A request line far past its limit: 414. */
export async function giantRequestLine(port: number, bytes: number, giveUpMs: number): Promise<HostileOutcome> {
  const p = await connect(port);
  p.socket.write('GET /keys/');
  await stream(p, bytes, Buffer.alloc(16 * 1024, 'k'));
  return waitClosed(p, giveUpMs);
}

/** A declared body far over the limit, then its bytes streamed anyway: 413. */
export async function oversizedBody(port: number, declared: number, streamBytes: number, giveUpMs: number): Promise<HostileOutcome> {
  const p = await connect(port);
  p.socket.write(`PUT /keys/oversized HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${declared}\r\n\r\n`);
  await stream(p, streamBytes, randomBytes(16 * 1024));
  return waitClosed(p, giveUpMs);
}

/** A chunked body whose chunks add up past the limit (no length known up front): 413. */
export async function oversizedChunkedBody(port: number, streamBytes: number, giveUpMs: number): Promise<HostileOutcome> {
  const p = await connect(port);
  p.socket.write('PUT /keys/oversized-chunked HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n');
  const chunk = Buffer.concat([Buffer.from('4000\r\n'), randomBytes(0x4000), Buffer.from('\r\n')]);
  await stream(p, streamBytes, chunk);
  return waitClosed(p, giveUpMs);
}

/** Random bytes (sometimes after a valid request line): any 4xx, or a close by the request
 *  timeout when the bytes happen to look like the start of a request. */
export async function garbage(port: number, bytes: number, giveUpMs: number): Promise<HostileOutcome> {
  const p = await connect(port);
  const prefix = Math.random() < 0.5 ? Buffer.from('POST /keys HTTP/1.1\r\n') : Buffer.alloc(0);
  p.socket.write(Buffer.concat([prefix, randomBytes(bytes)]));
  return waitClosed(p, giveUpMs);
}

/** Half a request, then the client vanishes: `reset` sends RST, otherwise FIN. */
export async function closeMidRequest(port: number, reset: boolean): Promise<HostileOutcome> {
  const p = await connect(port);
  const full = Buffer.from('PUT /keys/abandoned HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n' + 'x'.repeat(500));
  p.socket.write(full.subarray(0, 1 + Math.floor(Math.random() * (full.length - 1))));
  await sleep(10);
  if (reset) p.socket.resetAndDestroy();
  else p.socket.end();
  await Promise.race([p.closed, sleep(1_000)]);
  p.socket.destroy();
  return reset ? 'client reset' : 'client closed';
}

/** GET a large value and vanish after the first bytes of the response (RST). */
export async function closeMidResponse(port: number, bigKeyPath: string): Promise<HostileOutcome> {
  const p = await connect(port);
  p.socket.write(`GET ${bigKeyPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
  await Promise.race([new Promise((r) => p.socket.once('data', r)), p.closed, sleep(5_000)]);
  const outcome = outcomeOf(p);
  p.socket.resetAndDestroy();
  return outcome === KEPT_OPEN ? 'no response' : `${outcome} then client reset`;
}

/** Pipelines many GETs of a large value and never reads: the server must not buffer all of the
 *  responses (backpressure). After `holdMs` (or when `release` resolves) the client resets. */
export async function pipelineWithoutReading(
  port: number,
  bigKeyPath: string,
  requests: number,
  holdMs: number,
  release?: Promise<unknown>,
): Promise<HostileOutcome> {
  const p = await connect(port);
  p.socket.pause(); // never read: the kernel buffers fill and the server must stop
  p.socket.write(`GET ${bigKeyPath} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`.repeat(requests));
  await Promise.race([sleep(holdMs), p.closed, ...(release ? [release] : [])]);
  p.socket.resetAndDestroy();
  return 'client reset unread';
}
