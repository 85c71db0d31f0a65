// One connection's protocol state: bytes in -> responses out, with close decisions.
// See types.ts for the driver contract and docs/ENGINE.md for the design.
import { HttpDateCache, systemDate, type Clock } from './date.js';
import { timerToRestart } from './deadlines.js';
import { errorResponse, INTERNAL_ERROR_REASON } from './error-response.js';
import { reasonOf } from './error-codes.js';
import { ProtocolError } from './errors.js';
import { isRecognisedMethod } from './methods.js';
import { RequestParser, type RequestEvent } from './parser.js';
import { CONTINUE_RESPONSE, serializeResponse, serializeResponseWith } from './serializer.js';
import type { Handler, HttpLimits, SessionOutput, SessionPhase } from './types.js';

export interface HttpSessionOptions {
  /** Clock for the Date field (tests freeze it). Default Date.now. */
  now?: Clock;
  /** Told about a handler that threw or returned an unsendable response (answered 500). */
  onHandlerError?: (error: unknown) => void;
  /** Stop answering buffered pipelined requests once one call's output reaches this many bytes
   *  (the driver calls resume() after sending). Default 256 KiB. */
  outputBudgetBytes?: number;
}

export const DEFAULT_OUTPUT_BUDGET_BYTES = 256 * 1024;
const NO_BYTES = Buffer.alloc(0);

export class HttpSession {
  #parser: RequestParser;
  #handler: Handler;
  #date: HttpDateCache;
  #onHandlerError: ((error: unknown) => void) | undefined;
  #closed = false;
  #error: ProtocolError | null = null;
  #outputBudget: number;

  constructor(handler: Handler, limits?: Partial<HttpLimits>, options: HttpSessionOptions = {}) {
    this.#handler = handler;
    this.#outputBudget = options.outputBudgetBytes ?? DEFAULT_OUTPUT_BUDGET_BYTES;
    this.#parser = new RequestParser(limits);
    this.#date = options.now === undefined ? systemDate : new HttpDateCache(options.now);
    this.#onHandlerError = options.onHandlerError;
  }

  get phase(): SessionPhase {
    if (this.#closed) return 'closed';
    return this.#parser.inProgress ? 'receiving' : 'idle';
  }

  /** The error that closed the session (a parse error, or the 408 at timeout), named by its
   *  code; null otherwise. For logs, metrics and tests: its answer is already in the output. */
  get protocolError(): ProtocolError | null {
    return this.#error;
  }

  /** Bytes held for an incomplete request (bounded by the limits). */
  get bufferedBytes(): number {
    return this.#parser.bufferedBytes;
  }

  /**
   * Feeds bytes from the peer (null = the peer sent EOF). Calls the handler for every request
   * completed, in order, and returns everything to send. The chunk is not kept: the driver may
   * reuse its buffer once this returns.
   */
  receive(chunk: Buffer | null): SessionOutput {
    if (this.#closed) return { data: [], close: true };
    if (chunk === null) {
      // EOF: a partial request can never complete; nobody is left to answer.
      return this.#close([]);
    }
    const parser = this.#parser;
    const wasIdle = !parser.inProgress;
    if (chunk.length > 0) parser.push(chunk);
    let data: Buffer[] = [];
    let bytes = 0;
    let more = false;
    for (;;) {
      if (bytes >= this.#outputBudget) {
        // A client pipelining requests for large values without reading the answers must not
        // make us build them all at once: stop here, keep the rest of its input buffered, and
        // let the driver call resume() once these bytes are on their way.
        more = true;
        break;
      }
      const event = parser.next();
      if (event.type === 'need-more') break;
      if (event.type === 'continue') {
        data.push(CONTINUE_RESPONSE);
        continue;
      }
      if (event.type === 'error') {
        data.push(this.#errorBytes(event.error, event.method));
        this.#error = event.error;
        this.#closed = true;
        break;
      }
      const response = this.#respond(event);
      data.push(response);
      bytes += response.length;
      if (!event.keepAlive) {
        this.#closed = true;
        break;
      }
    }
    const produced = data.length > 0;
    // Pipelined responses go out as one Buffer: one write for the driver.
    if (data.length > 1) data = [Buffer.concat(data)];
    if (this.#closed) return this.#close(data);
    const out: SessionOutput = { data, close: false };
    const restart = timerToRestart(wasIdle, parser.inProgress, produced);
    if (restart !== undefined) out.restartTimer = restart;
    if (more) out.more = true;
    return out;
  }

  /** Continues answering requests already buffered after an output with `more: true`. */
  resume(): SessionOutput {
    return this.receive(NO_BYTES);
  }

  /** The driver's timer fired: 408 if a request was under way, otherwise a silent close. */
  timeout(): SessionOutput {
    if (this.#closed) return { data: [], close: true };
    const parser = this.#parser;
    if (!parser.inProgress) return this.#close([]);
    this.#error = new ProtocolError('REQUEST_TIMEOUT');
    return this.#close([this.#errorBytes(this.#error, parser.currentMethod)]);
  }

  #close(data: Buffer[]): SessionOutput {
    this.#closed = true;
    this.#parser.release();
    return { data, close: true };
  }

  #respond(event: RequestEvent): Buffer {
    // Passed as arguments, not an options object: this runs once per request.
    const date = this.#date.current();
    const { method } = event.request;
    const omitBody = method === 'HEAD';
    const connection = event.keepAlive ? (event.keepAliveHeader ? 'keep-alive' : 'none') : 'close';
    if (!isRecognisedMethod(method)) {
      // Read completely, so the connection stays usable; HEAD is recognised, so a body is sent.
      return serializeResponseWith(errorResponse(501, reasonOf('UNRECOGNISED_METHOD', method)), date, false, connection);
    }
    try {
      return serializeResponseWith(this.#handler(event.request), date, omitBody, connection);
    } catch (error) {
      // The request was read completely, so the connection is still in a known state.
      this.#onHandlerError?.(error);
      return serializeResponseWith(errorResponse(500, INTERNAL_ERROR_REASON), date, omitBody, connection);
    }
  }

  /** An engine error as bytes. To a HEAD request (RFC 9110 §9.3.2) it has the headers the same
   *  error to a GET would have, Content-Length of the JSON body included, and no body: a client
   *  that sent HEAD reads no body, so body bytes would be taken for the next response. */
  #errorBytes(error: ProtocolError, method: string | undefined): Buffer {
    return serializeResponse(errorResponse(error.status, error.reason), {
      date: this.#date.current(),
      omitBody: method === 'HEAD',
      connection: error.close ? 'close' : 'none',
    });
  }
}
