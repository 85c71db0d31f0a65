// Keep-alive and close decisions (RFC 9112 §9.3), pipelining, EOF, timeouts, phases.
import { describe, expect, it } from 'vitest';
import { HttpSession, RequestParser, type Handler } from '../../servers/http/index.js';
import { echoOf, exchange, FROZEN_NOW, header, newSession, parseResponses, run } from './support.js';

describe('persistence', () => {
  it.each([
    ['HTTP/1.1', '', false, undefined],
    ['HTTP/1.1', 'Connection: close\r\n', true, 'close'],
    ['HTTP/1.1', 'Connection: keep-alive, Close\r\n', true, 'close'],
    ['HTTP/1.1', 'Connection: keep-alive\r\n', false, undefined],
    ['HTTP/1.0', '', true, 'close'],
    ['HTTP/1.0', 'Connection: keep-alive\r\n', false, 'keep-alive'],
    ['HTTP/1.0', 'Connection: Keep-Alive\r\n', false, 'keep-alive'],
    ['HTTP/1.0', 'Connection: keep-alive\r\nConnection: close\r\n', true, 'close'],
  ])('%s with %j: close=%s, Connection: %s', (version, fields, close, connection) => {
    const { response, result, session } = exchange(`GET / ${version}\r\nHost: h\r\n${fields}\r\n`);
    expect(result.close).toBe(close);
    expect(session.phase).toBe(close ? 'closed' : 'idle');
    expect(header(response, 'connection')).toBe(connection);
  });

  it('ignores everything after a request that closes the connection', () => {
    const { result } = exchange('GET /1 HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(parseResponses(result.bytes)).toHaveLength(1);
  });

  it('after a framing error answers once, then closes and ignores the rest', () => {
    const session = newSession();
    const first = run(session, [
      'GET / HTTP/1.1\r\nHost: h\r\n\r\nPOST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: h\r\n\r\n',
    ]);
    expect(parseResponses(first.bytes).map((r) => r.status)).toEqual([200, 400]);
    expect(first.close).toBe(true);
    expect(session.phase).toBe('closed');
    expect(session.receive(Buffer.from('GET / HTTP/1.1\r\nHost: h\r\n\r\n'))).toEqual({ data: [], close: true });
  });
});

describe('pipelining', () => {
  it('answers pipelined requests strictly in order, in one Buffer', () => {
    const raw = [1, 2, 3, 4, 5].map((i) => `GET /${i} HTTP/1.1\r\nHost: h\r\n\r\n`).join('');
    const { result } = exchange(raw);
    expect(result.outputs[0]?.data).toHaveLength(1);
    expect(parseResponses(result.bytes).map((r) => echoOf(r).path)).toEqual(['/1', '/2', '/3', '/4', '/5']);
  });

  it('calls the handler synchronously, once per request, in arrival order', () => {
    const seen: string[] = [];
    const handler: Handler = (r) => {
      seen.push(r.path);
      return { status: 204 };
    };
    const session = newSession(handler);
    const out = session.receive(Buffer.from('GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\nGET /c'));
    expect(seen).toEqual(['/a', '/b']);
    expect(parseResponses(Buffer.concat(out.data)).map((r) => r.status)).toEqual([204, 204]);
    session.receive(Buffer.from(' HTTP/1.1\r\nHost: h\r\n\r\n'));
    expect(seen).toEqual(['/a', '/b', '/c']);
  });
});

describe('output budget', () => {
  const big: Handler = () => ({ status: 200, body: Buffer.alloc(100_000, 0x61) });
  const pipelined = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `GET /${i} HTTP/1.1\r\nHost: h\r\n\r\n`).join(''));

  it('stops answering pipelined requests once one call has produced the budget, and resumes', () => {
    const session = new HttpSession(big, undefined, { now: () => FROZEN_NOW, outputBudgetBytes: 250_000 });
    const first = session.receive(pipelined(10));
    // 100 kB responses: the third one crosses 250 kB, so the call stops after it.
    expect(parseResponses(Buffer.concat(first.data))).toHaveLength(3);
    expect(first.more).toBe(true);
    let total = 3;
    let out = first;
    let calls = 0;
    while (out.more) {
      out = session.resume();
      total += parseResponses(Buffer.concat(out.data)).length;
      calls++;
    }
    expect(total).toBe(10);
    expect(calls).toBe(3); // 3 + 3 + 3 + 1
    expect(out.close).toBe(false);
    expect(session.phase).toBe('idle');
  });

  it('does not set more when everything fitted', () => {
    const session = newSession();
    const out = session.receive(pipelined(3));
    expect(out.more).toBeUndefined();
    expect(session.resume()).toEqual({ data: [], close: false });
  });
});

describe('EOF, timeouts and phases', () => {
  it('is idle before any byte, receiving mid-request, idle again after the response', () => {
    const session = newSession();
    expect(session.phase).toBe('idle');
    session.receive(Buffer.from('GET / HT'));
    expect(session.phase).toBe('receiving');
    session.receive(Buffer.from('TP/1.1\r\nHost: h\r\n\r\n'));
    expect(session.phase).toBe('idle');
  });

  it('counts a leading empty line as the start of a request', () => {
    const session = newSession();
    session.receive(Buffer.from('\r\n'));
    expect(session.phase).toBe('receiving');
  });

  it('drops a partial request silently on EOF', () => {
    const session = newSession();
    session.receive(Buffer.from('POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nab'));
    expect(session.receive(null)).toEqual({ data: [], close: true });
    expect(session.phase).toBe('closed');
    expect(session.receive(Buffer.from('cde'))).toEqual({ data: [], close: true });
  });

  it('closes silently on EOF when idle', () => {
    expect(newSession().receive(null)).toEqual({ data: [], close: true });
  });

  it('answers 408 and closes when a request is under way at timeout', () => {
    const session = newSession();
    session.receive(Buffer.from('GET / HTTP/1.1\r\n'));
    const out = session.timeout();
    expect(out.close).toBe(true);
    const [response] = parseResponses(Buffer.concat(out.data));
    expect(response!.status).toBe(408);
    expect(JSON.parse(response!.body.toString())).toEqual({ error: 'request was not received in time' });
    expect(header(response!, 'connection')).toBe('close');
    expect(session.timeout()).toEqual({ data: [], close: true });
  });

  it('closes silently when the timeout hits an idle session', () => {
    const session = newSession();
    run(session, ['GET / HTTP/1.1\r\nHost: h\r\n\r\n']);
    expect(session.timeout()).toEqual({ data: [], close: true });
    expect(session.phase).toBe('closed');
  });

  it('answers 408 while waiting for a body after 100 Continue', () => {
    const session = newSession();
    run(session, ['PUT / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n']);
    expect(parseResponses(Buffer.concat(session.timeout().data))[0]?.status).toBe(408);
  });

  it('ignores empty chunks', () => {
    const session = newSession();
    expect(session.receive(Buffer.alloc(0))).toEqual({ data: [], close: false });
    expect(session.phase).toBe('idle');
  });

  it('does not keep the driver buffer: reusing it after receive() changes nothing', () => {
    const session = newSession();
    const reused = Buffer.from('GET /first HTTP/1.1\r\nHo');
    session.receive(reused);
    reused.fill(0x21);
    const { bytes } = run(session, ['st: h\r\n\r\n']);
    expect(echoOf(parseResponses(bytes)[0]).path).toBe('/first');
  });
});

describe('RequestParser used directly', () => {
  it('accepts several pushes before next() and keeps them in order', () => {
    const parser = new RequestParser();
    const a = Buffer.from('GET /a HTTP/1.1\r\nHo');
    const b = Buffer.from('st: h\r\n\r\nGET /b HTTP/1.1\r\nHost: h\r\n\r\n');
    parser.push(a);
    parser.push(b);
    a.fill(0);
    b.fill(0);
    const paths: string[] = [];
    for (let e = parser.next(); e.type !== 'need-more'; e = parser.next()) {
      if (e.type === 'request') paths.push(e.request.path);
    }
    expect(paths).toEqual(['/a', '/b']);
  });
});
