// The libc layer on its own: a listening socket made with raw syscalls, a blocking
// accept/recv/send round trip against a node:net client, errors, and the wake-up behaviours
// the pool relies on (measured here, so a kernel or koffi change that breaks them shows up).
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AF_INET,
  AF_INET6,
  EADDRINUSE,
  EAGAIN,
  ECONNRESET,
  EPIPE,
  EINVAL,
  SHUT_RD,
  SHUT_RDWR,
  SO_RCVTIMEO,
  SyscallError,
  acceptBacklogLength,
  createListener,
  libc,
  parseHost,
  sendAll,
  setTimeoutOption,
} from '../../servers/sync/libc.js';

const LIBC_JS = new URL('../../dist/servers/sync/libc.js', import.meta.url).href;
const opened: number[] = [];
afterEach(() => {
  for (const fd of opened.splice(0)) libc().close(fd);
});

function listen(port = 0) {
  const l = createListener('127.0.0.1', port, 16);
  opened.push(l.fd);
  return l;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1', () => resolve(s));
    s.once('error', reject);
  });
}

/** A worker thread that blocks in one libc call and posts back {result, errno, ms}. */
function blockInWorker(body: string, data: unknown): { worker: Worker; done: Promise<{ result: number; errno: number; ms: number }> } {
  const worker = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     import(${JSON.stringify(LIBC_JS)}).then((m) => {
       const c = m.libc();
       parentPort.postMessage('blocking');
       const t = performance.now();
       const result = (${body})(c, workerData, m);
       parentPort.postMessage({ result, errno: c.errno(), ms: performance.now() - t });
     });`,
    { eval: true, workerData: data },
  );
  const done = new Promise<{ result: number; errno: number; ms: number }>((resolve, reject) => {
    worker.on('message', (m) => m !== 'blocking' && resolve(m));
    worker.on('error', reject);
  });
  const blocking = new Promise((r) => worker.once('message', r));
  return { worker, done: blocking.then(() => done) };
}

describe('sync libc layer', () => {
  it('listens on port 0 and getsockname reports the real port', async () => {
    const l = listen();
    expect(l.port).toBeGreaterThan(0);
    // The kernel really listens there: a node:net client connects (into the accept backlog).
    const client = await connect(l.port);
    client.destroy();
  });

  it('accept / recv / send round trip with a node:net client, partial sends continued', async () => {
    const l = listen();
    const client = await connect(l.port);
    const c = libc();
    const fd = c.accept(l.fd, null, null); // the connection is already in the backlog
    expect(fd).toBeGreaterThan(0);
    opened.push(fd);
    await new Promise<void>((r) => client.write('ping', () => r()));
    const buf = Buffer.alloc(64);
    const n = c.recv(fd, buf.subarray(8), 56, 0); // into an offset view: koffi honours it
    expect(buf.subarray(8, 8 + n).toString()).toBe('ping');
    // 4 MiB is more than the socket buffers hold: send() returns partial counts while the client
    // reads, and sendAll must keep going until every byte is out.
    const big = Buffer.alloc(4 * 1024 * 1024, 'x');
    let received = 0;
    const allIn = new Promise<void>((resolve) =>
      client.on('data', (d) => {
        received += d.length;
        if (received === big.length) resolve();
      }),
    );
    const sender = blockInWorker('(c, d, m) => m.sendAll(d.fd, Buffer.alloc(d.size, 120))', { fd, size: big.length });
    expect((await sender.done).result).toBe(0);
    await allIn;
    expect(received).toBe(big.length);
    client.destroy();
    // After the peer is gone, sends fail with EPIPE/ECONNRESET (the first may still "succeed").
    await new Promise((r) => setTimeout(r, 50));
    let errno = 0;
    for (let i = 0; i < 3 && errno === 0; i++) errno = sendAll(fd, Buffer.from('late'));
    expect([EPIPE, ECONNRESET]).toContain(errno);
  });

  it('TCP_INFO on the listening socket reports how many connections wait in the backlog', async () => {
    const l = listen();
    expect(acceptBacklogLength(l.fd)).toBe(0);
    const clients = await Promise.all([connect(l.port), connect(l.port), connect(l.port)]);
    expect(acceptBacklogLength(l.fd)).toBe(3);
    opened.push(libc().accept(l.fd, null, null));
    expect(acceptBacklogLength(l.fd)).toBe(2);
    for (const c of clients) c.destroy();
  });

  it('a port in use fails bind with EADDRINUSE', () => {
    const l = listen();
    let error: unknown;
    try {
      listen(l.port);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SyscallError);
    expect((error as SyscallError).errno).toBe(EADDRINUSE);
    expect((error as SyscallError).message).toBe('bind() failed: EADDRINUSE');
  });

  it('hosts: IPv4 and IPv6 literals and localhost, with a clear error otherwise', () => {
    const parsed = (host: string) => {
      const { family, bytes } = parseHost(host);
      return { family, bytes: [...bytes] };
    };
    expect(parsed('localhost')).toEqual({ family: AF_INET, bytes: [127, 0, 0, 1] });
    expect(parsed('10.1.2.254')).toEqual({ family: AF_INET, bytes: [10, 1, 2, 254] });
    expect(parsed('::1')).toEqual({ family: AF_INET6, bytes: [...Array(15).fill(0), 1] });
    expect(parsed('[::1]')).toEqual(parsed('::1'));
    expect(parsed('::')).toEqual({ family: AF_INET6, bytes: Array(16).fill(0) });
    expect(parsed('fd00::a:1').bytes).toEqual([0xfd, 0, ...Array(10).fill(0), 0, 0xa, 0, 1]);
    for (const bad of ['example.com', '1.2.3', '1.2.3.256', '', '::1::', 'fe80::1%eth0', '[::1', '127.0.0.1\0x']) {
      expect(() => parseHost(bad)).toThrow(/IPv4 address .*IPv6 address .* or "localhost", got/);
    }
  });

  it('an IPv6 listener on ::1 takes a connection over IPv6', async () => {
    const l = createListener('::1', 0, 16);
    opened.push(l.fd);
    expect(l.port).toBeGreaterThan(0);
    const client = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(l.port, '::1', () => resolve(s));
      s.once('error', reject);
    });
    const fd = libc().accept(l.fd, null, null);
    opened.push(fd);
    expect(fd).toBeGreaterThan(0);
    expect(client.remoteFamily).toBe('IPv6');
    client.destroy();
  });

  it('shutdown(listen_fd, SHUT_RDWR) from this thread wakes a thread blocked in accept with EINVAL', async () => {
    const l = listen();
    const blocked = blockInWorker('(c, d) => c.accept(d.fd, null, null)', { fd: l.fd });
    await new Promise((r) => setTimeout(r, 100)); // let it reach accept()
    libc().shutdown(l.fd, SHUT_RDWR);
    const { result, errno } = await blocked.done;
    expect(result).toBe(-1);
    expect(errno).toBe(EINVAL);
  });

  it('SO_RCVTIMEO on the listening socket bounds accept (EAGAIN): the retire tick', async () => {
    const l = listen();
    setTimeoutOption(l.fd, SO_RCVTIMEO, 200);
    const { result, errno, ms } = await blockInWorker('(c, d) => c.accept(d.fd, null, null)', { fd: l.fd }).done;
    expect(result).toBe(-1);
    expect(errno).toBe(EAGAIN);
    expect(ms).toBeGreaterThanOrEqual(150);
  });

  it('shutdown(conn_fd, SHUT_RD) wakes a thread blocked in recv: it returns 0 (EOF)', async () => {
    const l = listen();
    const client = await connect(l.port);
    const fd = libc().accept(l.fd, null, null);
    opened.push(fd);
    const blocked = blockInWorker('(c, d) => c.recv(d.fd, Buffer.alloc(16), 16, 0)', { fd });
    await new Promise((r) => setTimeout(r, 100));
    libc().shutdown(fd, SHUT_RD);
    expect((await blocked.done).result).toBe(0);
    client.destroy();
  });
});
