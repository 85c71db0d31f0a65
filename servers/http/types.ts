// The contract between the sans-I/O HTTP/1.1 engine (servers/http), the key-value API
// (servers/kv) and the I/O drivers (servers/sync, servers/async).
//
// The engine owns every protocol rule; the routes own every API rule; a driver only moves bytes:
//
//   const session = new HttpSession(handler, limits);
//   on bytes:   const out = session.receive(chunk);   write(out.data); if (out.close) close();
//   on EOF:     const out = session.receive(null);    write(out.data); close();
//   on timeout: const out = session.timeout();        write(out.data); close();
//
// Nothing here touches a socket, a clock used for deadlines, or a database.
import type { TimerRestart } from './deadlines.js';

/** A complete, validated request, as handed to a Handler. */
export interface HttpRequest {
  /** Method token exactly as sent (case-sensitive, RFC 9110 §9.1), e.g. "GET". */
  method: string;
  /** The request-target exactly as sent (origin-form "/a?b" or absolute-form "http://h/a?b"). */
  target: string;
  /** The path part of the target, still percent-encoded, always starting with "/". */
  path: string;
  /** The query without "?" ("" when absent). */
  query: string;
  /** Protocol minor version as served: 0 for HTTP/1.0, 1 for HTTP/1.1 (and higher 1.x minors). */
  minor: 0 | 1;
  /** Header fields in arrival order; names lower-cased, values with surrounding OWS trimmed. */
  headers: ReadonlyArray<readonly [name: string, value: string]>;
  /** The decoded body (chunked already de-chunked); empty Buffer when there is none. */
  body: Buffer;
}

/** What a Handler returns. The engine adds Date, Content-Length and Connection itself. */
export interface HttpResponse {
  status: number;
  /** Extra header fields, e.g. ["content-type", "application/json"], ["location", "/keys/a"]. */
  headers?: ReadonlyArray<readonly [name: string, value: string]>;
  /** Body bytes; a string is sent as UTF-8. Omitted for HEAD by the engine, not by the handler. */
  body?: Buffer | string;
}

/** The API: a pure function of the request (and whatever store it closes over). */
export type Handler = (request: HttpRequest) => HttpResponse;

/** Configurable protocol limits (llhttp/httparse style: explicit, with sane defaults). */
export interface HttpLimits {
  /** Longest request line in bytes, CRLF excluded -> 414 past it. Default 8192. */
  maxRequestLineBytes: number;
  /** Largest header section in bytes (request line excluded) -> 431 past it. Default 16384. */
  maxHeaderBytes: number;
  /** Most header fields -> 431 past it. Default 100. */
  maxHeaderCount: number;
  /** Largest body in bytes (after de-chunking) -> 413 past it. Default 1 MiB. */
  maxBodyBytes: number;
}

/** What one call into the session produced for the driver. */
export interface SessionOutput {
  /** Bytes to send, in order (responses to pipelined requests, 100 Continue, error responses). */
  data: Buffer[];
  /** True when the connection must be closed once `data` has been sent. */
  close: boolean;
  /**
   * True when complete (pipelined) requests are still buffered, unanswered, because this call's
   * output reached the session's output budget. Send `data`, then call `session.resume()` (when
   * the peer has taken the bytes, for an event loop) until `more` is false; read nothing new
   * meanwhile. This bounds what one connection can make us hold in memory.
   */
  more?: boolean;
  /**
   * Which driver timer restarts now (see deadlines.ts): "request" — the request timeout runs
   * from this moment (a request began, or earlier ones were answered / 100 Continue was sent
   * while part of the next is held); "idle" — the idle timeout runs from this moment (the last
   * request held was answered). Absent: the running deadline keeps running. Never set with
   * `close`.
   */
  restartTimer?: TimerRestart;
}

/**
 * Where the session is between requests; drivers use it to pick which timeout applies (and
 * SessionOutput.restartTimer to know when it restarts):
 * - "idle":      no byte of a next request has arrived (keep-alive idle timeout applies;
 *                on expiry close silently).
 * - "receiving": part of a request has arrived (request timeout applies, measured from the
 *                first byte of that request; on expiry call timeout() -> 408 and close).
 * - "closed":    the session decided to close; send what is left, then close.
 */
export type SessionPhase = 'idle' | 'receiving' | 'closed';
