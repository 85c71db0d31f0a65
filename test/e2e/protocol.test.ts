// HTTP/1.1 at the byte level, against the built async and sync servers (both drive the same
// engine, so both must pass unchanged): keep-alive, HTTP/1.0, pipelining, byte-at-a-time input,
// chunked bodies, 100-continue, every limit, malformed requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bodyJson, header, parseResponses, show } from './support/http-response.js';
import { RawConnection, rawExchange, request, req } from './support/raw-client.js';
import { fullSuiteServers } from './support/servers-under-test.js';
import { SMALL_LIMIT_FLAGS } from './support/flags.js';
import { cleanupTempDirs, startServer, type StartedServer } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

describe.each(fullSuiteServers())('HTTP/1.1 protocol over %s', (kind) => {
  let server: StartedServer;
  let port: number;
  beforeAll(async () => {
    server = await startServer(kind, SMALL_LIMIT_FLAGS);
    port = server.port;
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0); // undefined: start failed
  });

  it('keeps an HTTP/1.1 connection open across requests', async () => {
    const conn = await RawConnection.connect(port);
    try {
      for (let i = 0; i < 5; i++) {
        await conn.write(req('PUT', `/keys/ka${i}`, `v${i}`));
        expect((await conn.readResponse()).status).toBe(201);
        await conn.write(req('GET', `/keys/ka${i}`));
        expect((await conn.readResponse()).body.toString()).toBe(`v${i}`);
      }
      expect(conn.isClosed).toBe(false);
    } finally {
      conn.destroy();
    }
  });

  it('closes after answering an HTTP/1.0 request without keep-alive', async () => {
    const bytes = await rawExchange(port, 'GET /health HTTP/1.0\r\n\r\n');
    const { responses, rest } = parseResponses(bytes, { complete: true });
    expect(responses.map((r) => r.status)).toEqual([200]);
    expect(rest.length).toBe(0);
  });

  it('closes after a request with Connection: close', async () => {
    const bytes = await rawExchange(port, req('GET', '/health', undefined, ['Connection: close']));
    const { responses } = parseResponses(bytes, { complete: true });
    expect(responses.map((r) => r.status)).toEqual([200]);
    expect(header(responses[0], 'connection')?.toLowerCase()).toBe('close');
  });

  it('answers 200 pipelined requests sent in one write, in order', async () => {
    const count = 200;
    const writes = Array.from({ length: count / 2 }, (_, i) => req('PUT', `/keys/pipe${i}`, `value-${i}`));
    const reads = Array.from({ length: count / 2 }, (_, i) => req('GET', `/keys/pipe${i}`));
    const conn = await RawConnection.connect(port);
    try {
      await conn.write(Buffer.concat([...writes, ...reads]));
      const responses = await conn.readResponses(count);
      expect(responses.slice(0, count / 2).every((r) => r.status === 201)).toBe(true);
      expect(responses.slice(count / 2).map((r) => r.body.toString())).toEqual(Array.from({ length: count / 2 }, (_, i) => `value-${i}`));
    } finally {
      conn.destroy();
    }
  });

  it('handles a request fed one byte at a time', async () => {
    const conn = await RawConnection.connect(port);
    try {
      await conn.writeByteByByte(req('PUT', '/keys/slowly', 'drip'), 1);
      expect((await conn.readResponse()).status).toBe(201);
      await conn.writeByteByByte(req('GET', '/keys/slowly'));
      expect((await conn.readResponse()).body.toString()).toBe('drip');
    } finally {
      conn.destroy();
    }
  });

  it('de-chunks a chunked request body (with an extension and a trailer)', async () => {
    const head = 'PUT /keys/chunky HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n';
    const body = '5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n';
    const conn = await RawConnection.connect(port);
    try {
      await conn.write(head + body);
      expect((await conn.readResponse()).status).toBe(201);
      await conn.write(req('GET', '/keys/chunky'));
      expect((await conn.readResponse()).body.toString()).toBe('hello world');
    } finally {
      conn.destroy();
    }
  });

  it('sends 100 Continue before the body when asked, then the final response', async () => {
    const conn = await RawConnection.connect(port);
    try {
      await conn.write('PUT /keys/expecting HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n');
      const interim = await conn.readResponse();
      expect(interim.status).toBe(100);
      await conn.write('body');
      expect((await conn.readResponse()).status).toBe(201);
    } finally {
      conn.destroy();
    }
  });

  it('answers 413 to a declared body over --max-body, without waiting for the body, and closes', async () => {
    const bytes = await rawExchange(port, 'PUT /keys/x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n');
    const { responses } = parseResponses(bytes, { complete: true });
    expect(responses.map((r) => r.status)).toEqual([413]);
    expect(bodyJson(responses[0])).toEqual({ error: expect.any(String) });
  });

  it('answers 413 to a chunked body that grows past --max-body', async () => {
    const chunk = 'fa0\r\n' + 'a'.repeat(4000) + '\r\n';
    const bytes = await rawExchange(port, `PUT /keys/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${chunk}${chunk}`);
    expect(parseResponses(bytes, { complete: true }).responses.map((r) => r.status)).toEqual([413]);
  });

  it('answers 414 to a request line over --max-request-line', async () => {
    const bytes = await rawExchange(port, `GET /keys/${'a'.repeat(400)} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(parseResponses(bytes, { complete: true }).responses.map((r) => r.status)).toEqual([414]);
  });

  it('answers 431 to a header section over --max-header-bytes, and to too many fields', async () => {
    const big = await rawExchange(port, `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(2000)}\r\n\r\n`);
    expect(parseResponses(big, { complete: true }).responses.map((r) => r.status)).toEqual([431]);
    const fields = Array.from({ length: 20 }, (_, i) => `X-F${i}: ${i}\r\n`).join('');
    const many = await rawExchange(port, `GET /health HTTP/1.1\r\nHost: x\r\n${fields}\r\n`);
    expect(parseResponses(many, { complete: true }).responses.map((r) => r.status)).toEqual([431]);
  });

  it.each(
    [
      ['garbage request line', 'THIS IS NOT HTTP\r\n\r\n', 400],
      ['missing Host on 1.1', 'GET /health HTTP/1.1\r\n\r\n', 400],
      ['bad header name', 'GET /health HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n', 400],
      ['bad Content-Length', 'PUT /keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: 12abc\r\n\r\n', 400],
      [
        'Content-Length with Transfer-Encoding',
        'PUT /keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
        400,
      ],
      ['unknown transfer coding', 'PUT /keys/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n', 501],
      [
        'chunked not the final coding',
        'PUT /keys/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, deflate\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
        400,
      ],
      ['HTTP/2.0 request line', 'GET /health HTTP/2.0\r\nHost: x\r\n\r\n', 505],
    ].map(([what, bytes, status]) => ({ what, bytes: bytes as string, status: status as number })),
  )('answers a malformed request ($what) with $status and closes', async ({ bytes, status }) => {
    const out = await rawExchange(port, bytes);
    const { responses, rest } = parseResponses(out, { complete: true });
    expect(
      responses.map((r) => r.status),
      show(out),
    ).toEqual([status]);
    expect(rest.length).toBe(0);
    expect(bodyJson(responses[0])).toEqual({ error: expect.any(String) });
  });

  it('answers the good requests before a malformed one in the same pipeline, then closes', async () => {
    const out = await rawExchange(port, Buffer.concat([req('GET', '/health'), req('GET', '/health'), Buffer.from('NOPE\r\n\r\n')]));
    expect(parseResponses(out, { complete: true }).responses.map((r) => r.status)).toEqual([200, 200, 400]);
  });

  it('answers an unrecognised method 501 and keeps the connection; a recognised one a resource lacks 405 + Allow', async () => {
    const conn = await RawConnection.connect(port);
    try {
      await conn.write(Buffer.concat([req('BREW', '/keys/a', 'coffee'), req('PATCH', '/keys/a', 'x'), req('GET', '/health')]));
      const [brew, patch, health] = await conn.readResponses(3);
      expect(brew!.status).toBe(501);
      expect(bodyJson(brew!)).toEqual({ error: 'request method "BREW" is not recognised' });
      expect(header(brew!, 'allow')).toBeUndefined();
      expect(patch!.status).toBe(405);
      expect(header(patch!, 'allow')).toBe('GET, HEAD, PUT, DELETE');
      expect(health!.status).toBe(200);
      expect(conn.isClosed).toBe(false);
    } finally {
      conn.destroy();
    }
  });

  it('answers an error to HEAD with headers only, behind a pipelined GET, then closes', async () => {
    const badHead = 'HEAD /keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n';
    const out = await rawExchange(port, Buffer.concat([req('GET', '/health'), Buffer.from(badHead)]));
    const { responses, rest } = parseResponses(out, { isHead: (i) => i === 1, complete: true });
    expect(
      responses.map((r) => r.status),
      show(out),
    ).toEqual([200, 400]);
    expect(responses[0]?.body.length).toBeGreaterThan(0);
    expect(Number(header(responses[1], 'content-length'))).toBeGreaterThan(0); // as GET would get
    expect(responses[1]?.body.length).toBe(0);
    expect(rest.length, 'no body bytes after the HEAD error').toBe(0);
    const noHost = await rawExchange(port, 'HEAD /health HTTP/1.1\r\n\r\n');
    expect(noHost.toString('latin1').endsWith('\r\n\r\n')).toBe(true);
    expect(parseResponses(noHost, { isHead: () => true, complete: true }).responses.map((r) => r.status)).toEqual([400]);
  });

  it('serves others while one client pipelines without reading, then delivers all its responses', async () => {
    const value = Buffer.alloc(4000, 0x42);
    expect((await request(port, req('PUT', '/keys/large', value))).status).toBe(201);
    const count = 3000; // ~12 MB of responses, far past any socket buffer
    const greedy = await RawConnection.connect(port);
    try {
      greedy.socket.pause(); // read nothing for now
      greedy.socket.write(Buffer.concat(Array.from({ length: count }, () => req('GET', '/keys/large'))));
      await new Promise((r) => setTimeout(r, 300));
      // The server is not stuck on the greedy client: another connection is answered.
      expect((await request(port, req('GET', '/health'))).status).toBe(200);
      greedy.socket.resume();
      const rs = await greedy.readResponses(count, { timeoutMs: 20_000 });
      expect(rs.filter((r) => r.status !== 200 || !r.body.equals(value)).length).toBe(0);
    } finally {
      greedy.destroy();
    }
  }, 30_000);

  it('answers HEAD pipelined between GETs without a body', async () => {
    await request(port, req('PUT', '/keys/hp', 'abc'));
    const conn = await RawConnection.connect(port);
    try {
      await conn.write(Buffer.concat([req('GET', '/keys/hp'), req('HEAD', '/keys/hp'), req('GET', '/keys/hp')]));
      const rs = await conn.readResponses(3, { isHead: (i) => i === 1 });
      expect(rs.map((r) => r.body.toString())).toEqual(['abc', '', 'abc']);
      expect(conn.buffered().length).toBe(0);
    } finally {
      conn.destroy();
    }
  });
});
