// What every input, however hostile, must get from the engine (servers/http) driving the real
// key-value routes over an in-memory store:
//   - receive() never throws and never returns after the session closed with more output;
//   - the bytes held for an incomplete request stay under a bound set by the limits (never
//     proportional to the input);
//   - the output is a clean sequence of HTTP/1.1 responses: interim 100s, one final response
//     per request the routes handled (HEAD without body), a 501 that keeps the connection per
//     complete request with an unrecognised method (the routes never see it), and at most one protocol error
//     (400/408/413/414/431/501/505) which is last and closes the connection (with no body when
//     it answers a HEAD request);
//   - the routes never throw (a 500 would mean a bug in servers/kv);
//   - EOF always ends in "closed".
import { createKvHandler } from '../../servers/kv/index.js';
import { HttpSession, MAX_CHUNK_LINE_BYTES, type Handler, type HttpLimits } from '../../servers/http/index.js';

export const DEFAULT_LIMITS: HttpLimits = {
  maxRequestLineBytes: 8192,
  maxHeaderBytes: 16384,
  maxHeaderCount: 100,
  maxBodyBytes: 1024 * 1024,
};
/** Small limits, so that mutated inputs cross each of them often. */
export const SMALL_LIMITS: HttpLimits = { maxRequestLineBytes: 64, maxHeaderBytes: 256, maxHeaderCount: 6, maxBodyBytes: 96 };

/** The most bytes the engine may hold for one incomplete element: a request line, a header
 *  section, or a chunk-size line (bodies are copied out as they arrive). */
export function bufferBound(limits: HttpLimits): number {
  return limits.maxRequestLineBytes + limits.maxHeaderBytes + MAX_CHUNK_LINE_BYTES + 8;
}

const ROUTE_STATUSES = new Set([200, 201, 400, 404, 405, 409, 413]);
const PROTOCOL_ERROR_STATUSES = new Set([400, 408, 413, 414, 431, 501, 505]);
const FIXED_NOW = () => Date.UTC(2024, 0, 1);

export interface OracleStats {
  inputs: number;
  bytes: number;
  responses: number;
  protocolErrors: Map<number, number>;
  maxBuffered: number;
}

export function newStats(): OracleStats {
  return { inputs: 0, bytes: 0, responses: 0, protocolErrors: new Map(), maxBuffered: 0 };
}

/** The routes over one in-memory store, recording each request's method (HEAD has no body). */
export function recordingKvHandler(): { handler: Handler; methods: string[]; errors: unknown[] } {
  const { handler } = createKvHandler(':memory:');
  const methods: string[] = [];
  return {
    methods,
    errors: [],
    handler: (request) => {
      methods.push(request.method);
      return handler(request);
    },
  };
}

/** Feeds `chunks` then EOF; throws (with a precise message) when an invariant breaks. */
export function checkSession(chunks: readonly Buffer[], limits: HttpLimits, stats: OracleStats, kv = recordingKvHandler()): Buffer {
  kv.methods.length = 0;
  kv.errors.length = 0;
  const session = new HttpSession(kv.handler, limits, { now: FIXED_NOW, onHandlerError: (e) => kv.errors.push(e) });
  const out: Buffer[] = [];
  const bound = bufferBound(limits);
  let closed = false;
  stats.inputs++;
  for (const chunk of chunks) {
    stats.bytes += chunk.length;
    // A driver reuses its read buffer: scribble over the chunk after the call, as it would.
    const scratch = Buffer.from(chunk);
    const r = session.receive(scratch);
    scratch.fill(0x5a);
    if (closed) {
      // One more call proves a closed session stays closed; feeding the rest would only burn time.
      if (r.data.length > 0 || !r.close) throw new Error('a closed session produced output or un-closed itself');
      break;
    }
    out.push(...r.data.map((b) => Buffer.from(b)));
    stats.maxBuffered = Math.max(stats.maxBuffered, session.bufferedBytes);
    if (session.bufferedBytes > bound) throw new Error(`engine holds ${session.bufferedBytes} bytes, over the bound ${bound}`);
    if (r.close) {
      if (session.phase !== 'closed') throw new Error(`close requested but phase is ${session.phase}`);
      closed = true;
    }
  }
  const end = session.receive(null);
  out.push(...end.data);
  if (!end.close || session.phase !== 'closed') throw new Error('EOF did not close the session');
  if (kv.errors.length > 0) throw new Error(`the routes threw: ${(kv.errors[0] as Error)?.stack ?? kv.errors[0]}`);
  const bytes = Buffer.concat(out);
  walkResponses(bytes, kv.methods, stats, Buffer.concat(chunks).includes('HEAD '));
  return bytes;
}

/** Checks the response stream's shape against the requests the routes handled. */
function walkResponses(bytes: Buffer, methods: readonly string[], stats: OracleStats, sentHead: boolean): void {
  let offset = 0;
  let handled = 0;
  let sawError = false;
  while (offset < bytes.length) {
    if (sawError) throw new Error('bytes after a protocol error response');
    const headEnd = bytes.indexOf('\r\n\r\n', offset);
    if (headEnd < 0) throw new Error(`truncated response head at ${offset}`);
    const lines = bytes.subarray(offset, headEnd).toString('latin1').split('\r\n');
    const [statusLine = ''] = lines;
    const code = /^HTTP\/1\.1 (\d{3}) [A-Za-z][A-Za-z -]*$/.exec(statusLine)?.[1];
    if (code === undefined) throw new Error(`bad status line ${JSON.stringify(statusLine)}`);
    const status = Number(code);
    const fields = new Map<string, string>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw new Error(`bad response field ${JSON.stringify(line)}`);
      fields.set(line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim());
    }
    offset = headEnd + 4;
    if (status === 100) continue;
    const length = Number(fields.get('content-length'));
    if (!Number.isSafeInteger(length) || length < 0) throw new Error(`status ${status} without a valid Content-Length`);
    stats.responses++;
    if (status === 501 && fields.get('connection') !== 'close') {
      // The engine's own answer to a complete request with an unrecognised method.
      offset += length;
    } else if (handled < methods.length) {
      if (!ROUTE_STATUSES.has(status)) throw new Error(`the routes answered ${status}`);
      if (methods[handled] !== 'HEAD') offset += length;
      handled++;
    } else {
      if (!PROTOCOL_ERROR_STATUSES.has(status)) throw new Error(`unexpected engine status ${status}`);
      if (fields.get('connection') !== 'close') throw new Error(`protocol error ${status} without Connection: close`);
      stats.protocolErrors.set(status, (stats.protocolErrors.get(status) ?? 0) + 1);
      // An error answering a HEAD request is headers only (RFC 9110 §9.3.2), and it is last.
      const headersOnly = sentHead && offset === bytes.length;
      if (!headersOnly) offset += length;
      sawError = true;
    }
    if (offset > bytes.length) throw new Error('response body runs past the output');
  }
  if (handled !== methods.length) throw new Error(`${methods.length} requests handled but ${handled} answered`);
}

/** A pure, deterministic handler for the split-invariance check (no store state). */
export const echoLengthHandler: Handler = (r) => ({ status: 200, body: `${r.method} ${r.target} ${r.body.length}` });

/** The whole output of one session over `chunks`, for comparing two splits of the same bytes. */
export function outputOf(chunks: readonly Buffer[], limits: HttpLimits): Buffer {
  const session = new HttpSession(echoLengthHandler, limits, { now: FIXED_NOW });
  const out: Buffer[] = [];
  for (const c of chunks) {
    const r = session.receive(Buffer.from(c));
    out.push(...r.data.map((b) => Buffer.from(b)));
    if (r.close) return Buffer.concat(out);
  }
  out.push(...session.receive(null).data);
  return Buffer.concat(out);
}
