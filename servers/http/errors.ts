// The one error type the engine raises for bad input. A ProtocolError is never a bug: it is the
// engine's verdict on bytes a peer sent, named by a code from error-codes.ts, which gives the
// status to answer with and the reason that says exactly which rule was broken (it becomes the
// `{"error": reason}` body).
import { ENGINE_ERRORS, reasonOf, type EngineErrorCode } from './error-codes.js';

export class ProtocolError extends Error {
  override name = 'ProtocolError';
  /** Status to answer with: 400, 408, 413, 414, 431, 501 or 505. */
  readonly status: number;
  /** Human-readable, specific: "header name contains an invalid character". */
  readonly reason: string;
  /** Close the connection after answering (true for every parse error, see error-codes.ts). */
  readonly close: boolean;

  constructor(
    /** Which rule was broken, e.g. 'HEADER_NAME_INVALID_CHAR'. */
    readonly code: EngineErrorCode,
    /** Fills the reason's template (a limit, a coding, a version); unused for fixed reasons. */
    readonly detail?: string | number,
  ) {
    const reason = reasonOf(code, detail);
    const { status, close } = ENGINE_ERRORS[code];
    super(`${status} ${reason}`);
    this.status = status;
    this.reason = reason;
    this.close = close;
  }
}

export function isProtocolError(value: unknown): value is ProtocolError {
  return value instanceof ProtocolError;
}
