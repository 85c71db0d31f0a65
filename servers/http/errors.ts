// The one error type the engine raises for bad input. A ProtocolError is never a bug: it is the
// engine's verdict on bytes a peer sent, carrying the status to answer with and a reason that
// says exactly which rule was broken (it becomes the `{"error": reason}` body).

export class ProtocolError extends Error {
  override name = 'ProtocolError';

  constructor(
    /** Status to answer with: 400, 408, 413, 414, 431, 501 or 505. */
    readonly status: number,
    /** Human-readable, specific: "header name contains an invalid character". */
    readonly reason: string,
    /** Close the connection after answering. Every parse error closes: once a message is
     *  rejected, where the next one starts can no longer be trusted (request smuggling). */
    readonly close: boolean = true,
  ) {
    super(`${status} ${reason}`);
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
