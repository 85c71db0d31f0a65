// Our two servers drive one engine and one set of routes, so for the same bytes in they must
// send the same bytes out (Date masked): a script of exchanges is replayed against each and the
// whole responses compared. Runs when both async and sync are in the server list.
import { afterAll, describe, expect, it } from 'vitest';
import { maskDate } from './support/http-response.js';
import { rawExchange, req } from './support/raw-client.js';
import { fullSuiteServers } from './support/servers-under-test.js';
import { cleanupTempDirs, startServer } from './support/server-process.js';
import { SMALL_LIMIT_FLAGS } from './support/flags.js';

afterAll(() => cleanupTempDirs());

/** Each entry is one connection: bytes sent in one write, everything received until the close.
 *  Every entry ends with Connection: close or an error, so each exchange has a definite end. */
const SCRIPT: Array<[string, Buffer | string]> = [
  ['PUT new', req('PUT', '/keys/same', 'v1', ['Connection: close'])],
  ['PUT replace', req('PUT', '/keys/same', 'v2', ['Connection: close'])],
  [
    'GET + HEAD pipelined',
    Buffer.concat([req('GET', '/keys/same'), req('HEAD', '/keys/same'), req('GET', '/keys/same', undefined, ['Connection: close'])]),
  ],
  ['POST', req('POST', '/keys', '{"key":"p q","value":"w"}', ['Connection: close'])],
  ['POST conflict', req('POST', '/keys', '{"key":"p q","value":"w"}', ['Connection: close'])],
  ['POST bad JSON', req('POST', '/keys', '{', ['Connection: close'])],
  ['DELETE', req('DELETE', '/keys/same', undefined, ['Connection: close'])],
  ['GET missing', req('GET', '/keys/same', undefined, ['Connection: close'])],
  ['405', req('PATCH', '/keys/same', 'x', ['Connection: close'])],
  [
    '501 unrecognised method, connection kept',
    Buffer.concat([req('BREW', '/keys/same', 'x'), req('GET', '/health', undefined, ['Connection: close'])]),
  ],
  ['health', req('GET', '/health', undefined, ['Connection: close'])],
  ['HTTP/1.0', 'GET /health HTTP/1.0\r\n\r\n'],
  ['chunked', 'PUT /keys/ch HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n'],
  [
    '100-continue in one write',
    'PUT /keys/ex HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok',
  ],
  ['400', 'NOT HTTP\r\n\r\n'],
  ['400 no host', 'GET /health HTTP/1.1\r\n\r\n'],
  ['400 to HEAD, headers only', 'HEAD /keys/a HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n'],
  ['400 to HEAD without Host', 'HEAD /health HTTP/1.1\r\n\r\n'],
  ['413', 'PUT /keys/x HTTP/1.1\r\nHost: x\r\nContent-Length: 999999\r\n\r\n'],
  ['414', `GET /${'a'.repeat(400)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  ['431', `GET / HTTP/1.1\r\nHost: x\r\nX: ${'b'.repeat(2000)}\r\n\r\n`],
  ['501', 'PUT /keys/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n'],
  ['400 chunked not final', 'PUT /keys/a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, deflate\r\n\r\n'],
  ['505', 'GET / HTTP/3.0\r\nHost: x\r\n\r\n'],
];

const kinds = fullSuiteServers();

describe.skipIf(!(kinds.includes('async') && kinds.includes('sync')))('async and sync answer byte for byte alike', () => {
  it('gives the same whole responses (Date masked) for every scripted exchange', async () => {
    const transcripts = { async: [] as string[], sync: [] as string[] };
    for (const kind of ['async', 'sync'] as const) {
      const server = await startServer(kind, SMALL_LIMIT_FLAGS);
      try {
        for (const [, bytes] of SCRIPT) transcripts[kind].push(maskDate(await rawExchange(server.port, bytes)));
      } finally {
        expect((await server.stop()).code).toBe(0);
      }
    }
    SCRIPT.forEach(([name], i) => {
      expect(transcripts.sync[i], name).toBe(transcripts.async[i]);
      expect(transcripts.async[i]?.length, `${name} got an answer`).toBeGreaterThan(0);
    });
  });
});
