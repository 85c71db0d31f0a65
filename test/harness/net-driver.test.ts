// The node:net closed-loop driver: its response framing (responses split across reads, several in
// one read, pipelined) and its accounting (status checks, writes, in-flight writes at the stop,
// dropped connections), against a tiny in-process node:net server. No timing assertions.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseFramer } from '../../harness/load/response-framer.js';
import { ClosedLoopLoad, type PreparedRequest } from '../../harness/load/net-closed-loop.js';
import { WindowRecorder } from '../../harness/load/window-recorder.js';
import { requestBytes, type PlannedRequest } from '../../harness/load/workloads.js';
import { readWrkResult } from '../../harness/load/wrk-result.js';
import { decodeHistogram } from '../../harness/analysis/stats.js';
import { must } from '../../harness/must.js';

const response = (status: number, body = '', extra = '') =>
  `HTTP/1.1 ${status} X\r\nContent-Type: text/plain\r\n${extra}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: keep-alive\r\n\r\n${body}`;

function frame(chunks: Buffer[], framer = new ResponseFramer(8)): number[] {
  const statuses: number[] = [];
  for (const c of chunks) expect(framer.push(c, c.length, (s) => statuses.push(s))).toBe(true);
  return statuses;
}

describe('response framing', () => {
  const three = Buffer.from(response(200, '{"value":"abc"}') + response(404, 'not found') + response(201, ''), 'latin1');

  it('reads several responses from one read', () => {
    expect(frame([three])).toEqual([200, 404, 201]);
  });

  it('reads responses split at every possible byte', () => {
    for (let cut = 1; cut < three.length; cut++) {
      const framer = new ResponseFramer(8);
      expect(frame([three.subarray(0, cut), three.subarray(cut)], framer)).toEqual([200, 404, 201]);
      expect(framer.pendingBytes).toBe(0);
    }
  });

  it('reads responses fed one byte at a time', () => {
    expect(frame([...three].map((b) => Buffer.from([b])))).toEqual([200, 404, 201]);
  });

  it('ignores stale bytes past the read length (read buffers are reused)', () => {
    const framer = new ResponseFramer();
    const buf = Buffer.alloc(4096, 0);
    const first = Buffer.from(response(200, 'x'), 'latin1');
    // A complete response left over from an earlier read sits past the new read's end.
    buf.write(response(500, 'old'), 40, 'latin1');
    first.copy(buf, 0, 0, 20);
    const statuses: number[] = [];
    expect(framer.push(buf, 20, (s) => statuses.push(s))).toBe(true);
    expect(statuses).toEqual([]);
    expect(framer.push(first.subarray(20), first.length - 20, (s) => statuses.push(s))).toBe(true);
    expect(statuses).toEqual([200]);
  });

  it('keeps a body larger than its carry buffer', () => {
    const big = Buffer.from(response(200, 'v'.repeat(100_000)) + response(200, 'y'), 'latin1');
    const chunks = [];
    for (let at = 0; at < big.length; at += 1000) chunks.push(big.subarray(at, at + 1000));
    expect(frame(chunks)).toEqual([200, 200]);
  });

  it('reads Content-Length in any letter case, and 204 without one', () => {
    const text =
      'HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok' +
      'HTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n' +
      'HTTP/1.1 200 OK\r\nCONTENT-LENGTH:1\r\n\r\nz';
    expect(frame([Buffer.from(text, 'latin1')])).toEqual([200, 204, 200]);
  });

  it('refuses a response it cannot frame, and says why', () => {
    const framer = new ResponseFramer();
    const chunked = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'latin1');
    expect(framer.push(chunked, chunked.length, () => {})).toBe(false);
    expect(framer.error).toBe('response without Content-Length');
    const garbage = Buffer.from('SSH-2.0-OpenSSH\r\n\r\n', 'latin1');
    expect(new ResponseFramer().push(garbage, garbage.length, () => {})).toBe(false);
    const bad = Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n', 'latin1');
    const f = new ResponseFramer();
    expect(f.push(bad, bad.length, () => {})).toBe(false);
    expect(f.error).toBe('unreadable Content-Length');
  });
});

/** A tiny server: answers each request (head + Content-Length body) with what `answer` says,
 *  optionally dribbling its bytes in small writes so responses arrive split. */
function tinyServer(answer: (method: string, path: string) => string, opts: { dribble?: boolean; closeAfter?: number } = {}) {
  const seen: string[] = [];
  const perSocket: string[][] = [];
  const server = net.createServer((socket) => {
    const mine: string[] = [];
    perSocket.push(mine);
    let buf = Buffer.alloc(0);
    let served = 0;
    socket.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      let out = '';
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buf.toString('latin1', 0, end);
        const length = Number(/content-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) break;
        const [method, path] = head.split(' ') as [string, string];
        seen.push(`${method} ${path}`);
        mine.push(`${method} ${path}`);
        buf = buf.subarray(end + 4 + length);
        served++;
        if (opts.closeAfter !== undefined && served > opts.closeAfter) {
          socket.destroy();
          return;
        }
        out += answer(method, path);
      }
      if (!out) return;
      const bytes = Buffer.from(out, 'latin1');
      if (!opts.dribble) socket.write(bytes);
      else for (let at = 0; at < bytes.length; at += 7) socket.write(bytes.subarray(at, at + 7));
    });
    socket.on('error', () => {});
  });
  return {
    seen,
    perSocket,
    listen: () =>
      new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const prepared = (list: PlannedRequest[], port: number): PreparedRequest[] =>
  list.map((request) => ({ request, bytes: requestBytes(request, `127.0.0.1:${port}`) }));

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}

describe('node:net closed-loop load', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c();
  });

  const getOk: PlannedRequest = { method: 'GET', path: '/keys/k1', expect: 200, write: null };
  const getMissing: PlannedRequest = { method: 'GET', path: '/keys/nope', expect: 200, write: null };
  const put: PlannedRequest = { method: 'PUT', path: '/keys/k2', body: 'vvvv', expect: 200, write: 'update' };
  const post: PlannedRequest = { method: 'POST', path: '/keys', body: '{"key":"a","value":"b"}', expect: 201, write: 'create' };
  const del: PlannedRequest = { method: 'DELETE', path: '/keys/a', expect: 200, write: 'delete' };
  const answer = (method: string, path: string) =>
    path === '/keys/nope' ? response(404, 'no') : method === 'POST' ? response(201, '') : response(200, '{"value":"vvvv"}');

  for (const [name, pipelining, dribble] of [
    ['one request in flight', 1, false],
    ['pipelined (4 in flight)', 4, false],
    ['pipelined, answers split into 7-byte writes', 4, true],
  ] as const) {
    it(`checks each status against its request and counts writes: ${name}`, async () => {
      const server = tinyServer(answer, { dribble });
      const port = await server.listen();
      cleanups.push(server.close);
      const recorder = new WindowRecorder();
      const lists = [prepared([getOk, put, getMissing, post, del], port), prepared([getOk, getOk, put], port)];
      const load = new ClosedLoopLoad({ host: '127.0.0.1', port, pipelining, timeoutMs: 10_000, lists }, recorder);
      load.measuring = true;
      load.start();
      cleanups.push(() => load.stop());
      await until(() => recorder.responses >= 300);
      load.stop();
      const r = recorder.result(1000);
      // Every answer the server sent that arrived was counted once.
      expect(r.responses).toBeGreaterThanOrEqual(300);
      expect(r.responses).toBeLessThanOrEqual(server.seen.length);
      // The 404 answers a request that expected 200: counted as unexpected, and nothing else is.
      expect(Object.keys(r.unexpectedStatus)).toEqual(['404']);
      expect(r.expected + must(r.unexpectedStatus['404'], 'a count of 404 answers')).toBe(r.responses);
      expect(r.requests).toBe(r.responses);
      expect(r.timeouts + r.connectionErrors).toBe(0);
      // Writes acknowledged: puts, creates, deletes that got their expected status.
      expect(r.writesAcknowledged).toBeGreaterThan(r.creates + r.deletes); // the PUTs too
      expect(r.creates).toBeGreaterThan(0);
      expect(Math.abs(r.creates - r.deletes)).toBeLessThanOrEqual(1);
      expect(r.latencyCount).toBe(r.responses);
      expect(decodeHistogram(r.histogram).totalCount).toBe(r.responses);
      // Each connection walked its own list, in order, from its start.
      const walks = lists.map((l) => l.map((p) => `${p.request.method} ${p.request.path}`));
      expect(server.perSocket).toHaveLength(2);
      for (const sent of server.perSocket) {
        const walk = walks.find((w) => w[0] === sent[0] && w[1] === sent[1])!;
        expect(sent).toEqual(sent.map((_, i) => walk[i % walk.length]));
      }
    });
  }

  it('counts only answers inside the window, but acknowledges writes all the time', async () => {
    const server = tinyServer(answer);
    const port = await server.listen();
    cleanups.push(server.close);
    const recorder = new WindowRecorder();
    const load = new ClosedLoopLoad(
      { host: '127.0.0.1', port, pipelining: 1, timeoutMs: 10_000, lists: [prepared([post, del], port)] },
      recorder,
    );
    load.start();
    cleanups.push(() => load.stop());
    await until(() => server.seen.length >= 50);
    load.stop();
    const r = recorder.result(1000);
    expect(r.responses).toBe(0);
    expect(r.creates).toBe(0);
    // Whole-run tally: creates minus deletes acknowledged, and at most one write still in doubt.
    expect(r.netCreates).toBeGreaterThanOrEqual(0);
    expect(r.netCreates).toBeLessThanOrEqual(1);
    expect(r.netCreates + r.uncertainCreates).toBeGreaterThanOrEqual(0);
    expect(r.uncertainCreates + r.uncertainDeletes).toBeLessThanOrEqual(1);
  });

  it('counts a dropped connection as connection errors, its writes as uncertain, and reconnects', async () => {
    const server = tinyServer(answer, { closeAfter: 5 });
    const port = await server.listen();
    cleanups.push(server.close);
    const recorder = new WindowRecorder();
    const load = new ClosedLoopLoad(
      { host: '127.0.0.1', port, pipelining: 1, timeoutMs: 10_000, lists: [prepared([post, getOk, del], port)] },
      recorder,
    );
    load.measuring = true;
    load.start();
    cleanups.push(() => load.stop());
    await until(() => recorder.connectionErrors >= 3);
    load.stop();
    const r = recorder.result(1000);
    expect(r.responses).toBeGreaterThanOrEqual(15);
    expect(r.requests).toBe(r.responses + r.connectionErrors);
    // The request the server dropped each time was sent and never answered: in doubt if a write.
    expect(r.uncertainCreates + r.uncertainDeletes).toBeGreaterThan(0);
  });

  it('frames a server that sends garbage as an error, not as answers', async () => {
    const server = tinyServer(() => 'garbage\r\n\r\n');
    const port = await server.listen();
    cleanups.push(server.close);
    const recorder = new WindowRecorder();
    const load = new ClosedLoopLoad(
      { host: '127.0.0.1', port, pipelining: 1, timeoutMs: 10_000, lists: [prepared([getOk], port)] },
      recorder,
    );
    load.measuring = true;
    load.start();
    cleanups.push(() => load.stop());
    await until(() => Object.keys(recorder.other).length > 0);
    load.stop();
    expect(recorder.responses).toBe(0);
    expect(Object.keys(recorder.other)).toEqual(['bad response: malformed status line']);
  });
});

describe('window recorder', () => {
  it('open loop: answers that arrive after the window count as responses, not as answered by its end', () => {
    const recorder = new WindowRecorder();
    const get = { expect: 200, write: null } as const;
    recorder.windowStart();
    recorder.status(get, 200);
    recorder.status(get, 200);
    recorder.windowEnd();
    // Due inside the window, answered in the grace period after it.
    recorder.status(get, 200);
    const r = recorder.result(1000);
    expect(r.responses).toBe(3);
    expect(r.responsesByWindowEnd).toBe(2);
  });
});

describe('wrk results', () => {
  it('reads the summary and rebuilds the histogram from the percentile slices the Lua done() wrote', () => {
    const text = 'summary 5000000 1000 0 1 0 10 2 171.500\n0.000 50.000 150\n50.000 99.000 200\n99.000 100.000 5000\n';
    const r = readWrkResult(text, 0.1);
    expect(r.responses).toBe(1000);
    expect(r.expected).toBe(990);
    expect(r.unexpectedStatus).toEqual({ 'non-2xx/3xx': 10 });
    expect(r.requests).toBe(1003);
    expect(r.timeouts).toBe(2);
    expect(r.connectionErrors).toBe(1);
    expect(r.writesAcknowledged).toBe(99);
    expect(r.windowMs).toBe(5000);
    expect(r.latencyCount).toBe(1000);
    expect(r.latencySumUs).toBeCloseTo(171.5 * 1000);
    const h = decodeHistogram(r.histogram);
    expect(h.getValueAtPercentile(40)).toBe(150);
    expect(h.getValueAtPercentile(90)).toBe(200);
    expect(h.getValueAtPercentile(99.5)).toBeGreaterThanOrEqual(4995);
  });
});
