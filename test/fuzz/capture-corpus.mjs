// Records the raw bytes real HTTP clients send, as the fuzz seed corpus (test/fuzz/corpus/).
//
//   npx tsc -p tsconfig.json && node test/fuzz/capture-corpus.mjs
//
// A node:net listener on 127.0.0.1 answers every request through the project's own engine (so
// Expect: 100-continue, HEAD, keep-alive and chunked bodies behave as with the real servers) and
// saves each connection's bytes, capped at 4 KiB, to corpus/<client>-<case>.bin. Clients: curl,
// Node's fetch (undici), node:http, autocannon and wrk (each skipped if missing). Hand-written
// edge cases (hand-*.bin) are written from the table at the bottom. Plain JavaScript because it
// runs without a build step of its own; it only needs dist/ for the engine.
import { execFile } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpusDir = path.join(here, 'corpus');
const { HttpSession } = await import(path.join(here, '../../dist/servers/http/index.js'));
const run = promisify(execFile);
const MAX_BYTES = 4 * 1024;

mkdirSync(corpusDir, { recursive: true });

/** Bytes of the connections accepted while `name` runs. */
let current = null;
const captures = new Map();
const server = net.createServer((socket) => {
  const session = new HttpSession(() => ({ status: 200, headers: [['content-type', 'text/plain']], body: 'ok\n' }));
  socket.on('data', (chunk) => {
    // Attributed to the case running when the bytes arrive: keep-alive clients (fetch) reuse
    // one connection across cases.
    if (current) captures.set(current, Buffer.concat([captures.get(current) ?? Buffer.alloc(0), chunk]).subarray(0, MAX_BYTES));
    const out = session.receive(chunk);
    for (const b of out.data) socket.write(b);
    if (out.close) socket.end();
  });
  socket.on('error', () => {});
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const port = server.address().port;
const base = `http://127.0.0.1:${port}`;

async function capture(name, action) {
  current = name;
  try {
    await action();
  } catch (err) {
    console.warn(`${name}: ${err.message.split('\n')[0]} (skipped)`);
  }
  await new Promise((r) => setTimeout(r, 200)); // let the close events land
  current = null;
}

const curl = (...args) => run('curl', ['-s', '-o', '/dev/null', '--max-time', '5', ...args]);
await capture('curl-get', () => curl(`${base}/keys/greeting`));
await capture('curl-head', () => curl('-I', `${base}/keys/greeting`));
await capture('curl-put-binary', () =>
  curl('-X', 'PUT', '--data-binary', '@' + path.join(here, 'capture-corpus.mjs'), `${base}/keys/script`),
);
await capture('curl-post-json', () =>
  curl('-X', 'POST', '-H', 'Content-Type: application/json', '--data', '{"key": "a/b c", "value": "héllo"}', `${base}/keys`),
);
await capture('curl-put-chunked', () =>
  curl('-X', 'PUT', '-H', 'Transfer-Encoding: chunked', '--data-binary', 'chunked value', `${base}/keys/chunked`),
);
await capture('curl-put-expect', () =>
  curl('-X', 'PUT', '-H', 'Expect: 100-continue', '--data-binary', 'expect value', `${base}/keys/expect`),
);
await capture('curl-http10', () => curl('-0', `${base}/keys/old`));
await capture('curl-delete-encoded', () => curl('-X', 'DELETE', `${base}/keys/%C3%A9t%C3%A9%2Fhiver`));

await capture('fetch-get', () => fetch(`${base}/keys/greeting`).then((r) => r.text()));
await capture('fetch-put-bytes', () =>
  fetch(`${base}/keys/bytes`, { method: 'PUT', body: new Uint8Array([0, 1, 2, 255, 13, 10]) }).then((r) => r.text()),
);
await capture('fetch-post-json', () =>
  fetch(`${base}/keys`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: 'k', value: 'v' }),
  }).then((r) => r.text()),
);
await capture('fetch-delete', () => fetch(`${base}/keys/gone`, { method: 'DELETE' }).then((r) => r.text()));
await capture('fetch-put-stream', () => {
  const body = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode('streamed '));
      c.enqueue(new TextEncoder().encode('value'));
      c.close();
    },
  });
  return fetch(`${base}/keys/stream`, { method: 'PUT', body, duplex: 'half' }).then((r) => r.text());
});
await capture('fetch-keepalive-3', async () => {
  for (let i = 0; i < 3; i++) await fetch(`${base}/keys/k${i}`).then((r) => r.text());
});

const nodeRequest = (options, body) =>
  new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, ...options }, (res) => res.resume().on('end', resolve));
    req.on('error', reject);
    if (body) for (const part of body) req.write(part);
    req.end();
  });
await capture('node-http-get', () => nodeRequest({ path: '/health', agent: false }));
await capture('node-http-put-chunked', () => nodeRequest({ method: 'PUT', path: '/keys/n', agent: false }, ['part one, ', 'part two']));

await capture('autocannon-put', async () => {
  const { default: autocannon } = await import('autocannon');
  await autocannon({ url: `${base}/keys/ac`, method: 'PUT', body: 'autocannon value', amount: 2, connections: 1 });
});
await capture('autocannon-get', async () => {
  const { default: autocannon } = await import('autocannon');
  await autocannon({ url: `${base}/keys/ac`, amount: 2, connections: 1 });
});
await capture('wrk-get', () => run('wrk', ['-t1', '-c1', '-d1s', `${base}/keys/wrk`]));

server.close();
server.unref();
for (const [name, bytes] of captures) {
  if (bytes.length === 0) continue;
  writeFileSync(path.join(corpusDir, `${name}.bin`), bytes);
}

// Hand-written edge cases: framing corners, smuggling shapes, limits, and plain nonsense.
const HAND = {
  'hand-pipelined-mixed':
    'GET /keys/a HTTP/1.1\r\nHost: x\r\n\r\nPUT /keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabcDELETE /keys/a HTTP/1.1\r\nHost: x\r\n\r\nHEAD /health HTTP/1.1\r\nHost: x\r\n\r\n',
  'hand-chunked-extensions-trailers':
    'PUT /keys/c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0A\r\n0123456789\r\n0\r\nTrailer-Field: yes\r\n\r\n',
  'hand-cl-and-te':
    'POST /keys HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n',
  'hand-duplicate-cl': 'PUT /keys/d HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd',
  'hand-obs-fold': 'GET /health HTTP/1.1\r\nHost: x\r\nX-Folded: a\r\n b\r\n\r\n',
  'hand-bare-lf': 'GET /health HTTP/1.1\nHost: x\n\n',
  'hand-http10-keepalive': 'GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /health HTTP/1.0\r\n\r\n',
  'hand-absolute-form': 'GET http://example.test:8080/keys/a?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n',
  'hand-expect-continue': 'PUT /keys/e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello',
  'hand-leading-crlf': '\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n',
  'hand-http2-preface': 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
  'hand-tls-client-hello': Buffer.from('160301002a010000260303' + '00'.repeat(32) + '0000020035010000', 'hex'),
  'hand-space-before-colon': 'GET /health HTTP/1.1\r\nHost : x\r\n\r\n',
  'hand-huge-chunk-size': 'PUT /keys/h HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFFFF\r\n',
  'hand-negative-cl': 'PUT /keys/n HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n',
  'hand-utf8-and-nul-key': 'PUT /keys/%00%C3%A9%F0%9F%98%80 HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n\x00',
  'hand-post-json-edge': 'POST /keys HTTP/1.1\r\nHost: x\r\nContent-Length: 42\r\n\r\n{"key":"\\ud800","value":"x","extra":[1,2]}',
  'hand-lowercase-method-version': 'get /health http/1.1\r\nHost: x\r\n\r\n',
};
for (const [name, bytes] of Object.entries(HAND)) {
  writeFileSync(path.join(corpusDir, `${name}.bin`), typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
}
console.log(`corpus: ${captures.size} captures, ${Object.keys(HAND).length} hand-written cases in ${corpusDir}`);
