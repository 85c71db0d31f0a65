// The control (`mkvss-lab serve reference`): the same servers/kv routes behind node:http
// (llhttp), written the way a typical Node developer would. It answers the same API; at the
// protocol level it is node:http's own behaviour (its headers, its error pages), by design.
import cluster from 'node:cluster';
import http from 'node:http';
import { errorResponse, INTERNAL_ERROR_REASON } from '../http/error-response.js';
import type { Handler, HttpRequest, HttpResponse } from '../http/types.js';
import type { RunningServer, ServerOptions, StartServer } from '../options.js';
import { startClusterPrimary } from '../event-loop/cluster-primary.js';
import { listenOrExplain } from '../event-loop/listen.js';
import { openKvOrExplain } from '../event-loop/open-kv.js';
import { sweepIntervalMs } from '../event-loop/sweep-interval.js';
import { SHUTDOWN_GRACE_MS } from '../socket-lifecycle.js';

export const start: StartServer = (options) =>
  options.workers > 1 && cluster.isPrimary
    ? startClusterPrimary({ kind: 'reference', module: import.meta.url }, options)
    : startOneLoop(options);

export async function startOneLoop(options: ServerOptions): Promise<RunningServer> {
  const kv = openKvOrExplain(options);
  const server = http.createServer(
    {
      // llhttp counts the request line and the headers together against one limit.
      maxHeaderSize: options.limits.maxRequestLineBytes + options.limits.maxHeaderBytes,
      requestTimeout: options.requestTimeoutMs,
      headersTimeout: options.requestTimeoutMs,
      keepAliveTimeout: options.idleTimeoutMs,
      connectionsCheckingInterval: sweepIntervalMs(options),
      noDelay: true,
    },
    (req, res) => serve(kv.handler, options.limits.maxBodyBytes, req, res),
  );
  server.maxHeadersCount = options.limits.maxHeaderCount;
  server.maxConnections = options.maxConnections;

  let port: number;
  try {
    port = await listenOrExplain(server, options.host, options.port);
  } catch (err) {
    kv.store.close();
    throw err;
  }

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closed ??= (async () => {
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Busy connections finish their response (node:http then closes them, as the server is
      // no longer listening); past the grace period they are cut.
      const cut = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS);
      await stopped;
      clearTimeout(cut);
      kv.store.close();
    })());
  return { port, close };
}

function serve(handler: Handler, maxBodyBytes: number, req: http.IncomingMessage, res: http.ServerResponse): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > maxBodyBytes) {
    tooLarge(res);
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let rejected = false;
  req.on('data', (chunk: Buffer) => {
    if (rejected) return;
    size += chunk.length;
    if (size > maxBodyBytes) {
      rejected = true; // a chunked body that grew past the limit
      tooLarge(res);
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => {
    if (rejected) return;
    let response: HttpResponse;
    try {
      const only = chunks[0];
      // One chunk is the body as it is; only several are copied into one.
      const body = chunks.length === 1 && only !== undefined ? only : Buffer.concat(chunks, size);
      response = handler(toHttpRequest(req, body));
    } catch {
      response = errorResponse(500, INTERNAL_ERROR_REASON);
    }
    write(res, response);
  });
}

function tooLarge(res: http.ServerResponse): void {
  res.shouldKeepAlive = false; // the rest of the body is not worth reading
  write(res, errorResponse(413, 'request body too large'));
}

function toHttpRequest(req: http.IncomingMessage, body: Buffer): HttpRequest {
  const target = req.url ?? '/';
  // absolute-form ("http://host/a?b") keeps only its path and query
  const pathAndQuery = target.startsWith('/') ? target : target.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '') || '/';
  const q = pathAndQuery.indexOf('?');
  const raw = req.rawHeaders;
  const headers: Array<readonly [string, string]> = [];
  // rawHeaders alternates name, value; an odd tail (never sent by node:http) is dropped.
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i];
    const value = raw[i + 1];
    if (name !== undefined && value !== undefined) headers.push([name.toLowerCase(), value]);
  }
  return {
    method: req.method ?? 'GET',
    target,
    path: q < 0 ? pathAndQuery : pathAndQuery.slice(0, q) || '/',
    query: q < 0 ? '' : pathAndQuery.slice(q + 1),
    minor: req.httpVersionMinor === 0 ? 0 : 1,
    headers,
    body,
  };
}

function write(res: http.ServerResponse, response: HttpResponse): void {
  const body = typeof response.body === 'string' ? Buffer.from(response.body) : (response.body ?? Buffer.alloc(0));
  res.statusCode = response.status;
  for (const [name, value] of response.headers ?? []) res.setHeader(name, value);
  // Set explicitly so that HEAD announces the length GET would send (node:http drops the body).
  res.setHeader('content-length', body.length);
  res.end(body);
}
