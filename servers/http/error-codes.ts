// Every answer the engine gives on its own, named (in the style of llhttp's error enum): the
// code, the status it answers with, and the reason that becomes the `{"error": reason}` body.
// The parser throws `new ProtocolError('INVALID_CONTENT_LENGTH')` instead of repeating status
// and text at each site, so this table is the one place to read (or change) what a client is told.
//
// A reason is a fixed string, or a template filled with one detail (a limit, a coding, a
// version) at the site that knows it. Reasons are part of the wire output: both servers must
// send them byte for byte alike, and tests pin them.
//
// `close`: every error found while parsing closes the connection — once a message is rejected,
// where the next one starts cannot be trusted (request smuggling). The two answers that follow
// a completely read request (an unrecognised method, a failed handler) leave it open (unless
// the request itself asked to close).

export interface EngineErrorSpec {
  readonly status: number;
  readonly reason: string | ((detail: string) => string);
  readonly close: boolean;
}

const spec = (status: number, reason: EngineErrorSpec['reason'], close = true): EngineErrorSpec => Object.freeze({ status, reason, close });
const bad = (reason: EngineErrorSpec['reason']) => spec(400, reason);

export const ENGINE_ERRORS = Object.freeze({
  // ---- request line (RFC 9112 §2.2, §3) ----
  REQUEST_LINE_EMPTY: bad('request line is empty'),
  REQUEST_LINE_LEADING_SPACE: bad('request line starts with a space'),
  REQUEST_LINE_BARE_CR: bad('request line contains a bare CR'),
  REQUEST_LINE_BARE_LF: bad('request line ends with a bare LF'),
  REQUEST_LINE_NUL: bad('request line contains a NUL byte'),
  REQUEST_LINE_CONTROL_CHAR: bad('request line contains a control character'),
  REQUEST_LINE_SPACING: bad('request line must separate its parts with single spaces'),
  REQUEST_LINE_NO_TARGET: bad('request line has no request target'),
  REQUEST_LINE_NO_VERSION: bad('request line has no HTTP version'),
  REQUEST_LINE_TOO_LONG: spec(414, (max) => `request line is longer than ${max} bytes`),
  INVALID_METHOD: bad('request method contains an invalid character'),
  INVALID_VERSION: bad('HTTP version is malformed (expected HTTP/1.1 or HTTP/1.0)'),
  UNSUPPORTED_VERSION: spec(505, (version) => `HTTP/${version} is not supported (only HTTP/1.x)`),

  // ---- request target (RFC 9112 §3.2, RFC 3986) ----
  TARGET_FORM: bad('request target must be origin-form (/path) or absolute-form (http://host/path)'),
  TARGET_ASTERISK_FORM: bad('asterisk-form request target (*) is not supported'),
  TARGET_INVALID_CHAR: bad('request target contains an invalid character'),
  TARGET_PERCENT_ENCODING: bad('request target has a malformed percent-encoding'),
  TARGET_NO_AUTHORITY: bad('absolute-form request target must have an authority (scheme://host)'),
  TARGET_SCHEME: bad((scheme) => `request target scheme must be http or https, not "${scheme}"`),
  TARGET_USERINFO: bad('request target must not contain userinfo (user@host)'),
  TARGET_HOST_INVALID_CHAR: bad('request target host contains an invalid character'),
  TARGET_HOST_EMPTY: bad('absolute-form request target has an empty host'),

  // ---- header section (RFC 9112 §5, RFC 9110 §5) ----
  HEADER_LINE_BARE_LF: bad('header line ends with a bare LF'),
  HEADER_OBS_FOLD: bad('obsolete line folding (obs-fold) is not allowed'),
  HEADER_NO_COLON: bad('header line has no colon'),
  HEADER_SPACE_BEFORE_COLON: bad('whitespace between header name and colon is not allowed'),
  HEADER_NAME_EMPTY: bad('header name is empty'),
  HEADER_NAME_BARE_CR: bad('header name contains a bare CR'),
  HEADER_NAME_NUL: bad('header name contains a NUL byte'),
  HEADER_NAME_INVALID_CHAR: bad('header name contains an invalid character'),
  HEADER_VALUE_BARE_CR: bad('header value contains a bare CR'),
  HEADER_VALUE_NUL: bad('header value contains a NUL byte'),
  HEADER_VALUE_INVALID_CHAR: bad('header value contains an invalid character'),
  HEADER_SECTION_TOO_LARGE: spec(431, (max) => `header section is larger than ${max} bytes`),
  TOO_MANY_HEADERS: spec(431, (max) => `more than ${max} header fields`),

  // ---- Host (RFC 9112 §3.2) ----
  HOST_MISSING: bad('HTTP/1.1 request has no Host header'),
  HOST_REPEATED: bad('more than one Host header'),
  HOST_INVALID: bad('Host header value is invalid'),

  // ---- framing (RFC 9112 §6, RFC 9110 §8.6) ----
  CONTENT_LENGTH_INVALID: bad('Content-Length value is not a valid number'),
  CONTENT_LENGTH_CONFLICT: bad('conflicting Content-Length values'),
  CONTENT_LENGTH_WITH_TRANSFER_ENCODING: bad('Content-Length and Transfer-Encoding together are not allowed'),
  TRANSFER_ENCODING_HTTP10: bad('Transfer-Encoding is not allowed in an HTTP/1.0 request'),
  TRANSFER_ENCODING_INVALID: bad('Transfer-Encoding value is malformed'),
  TRANSFER_ENCODING_EMPTY: bad('Transfer-Encoding is empty'),
  CHUNKED_NOT_FINAL: bad('the final transfer coding must be chunked'),
  CHUNKED_REPEATED: bad('chunked must not be applied more than once'),
  CHUNKED_PARAMETERS: bad('the chunked transfer coding takes no parameters'),
  TRANSFER_CODING_UNSUPPORTED: spec(501, (coding) => `transfer coding "${coding}" is not supported`),
  BODY_TOO_LARGE: spec(413, (max) => `request body is larger than ${max} bytes`),

  // ---- chunked body (RFC 9112 §7.1) ----
  CHUNK_SIZE_INVALID: bad('chunk size is not a hexadecimal number'),
  CHUNK_SIZE_LINE_INVALID: bad('chunk size line is malformed'),
  CHUNK_SIZE_LINE_TOO_LONG: bad((max) => `chunk size line is longer than ${max} bytes`),
  CHUNK_SIZE_LINE_BARE_LF: bad('chunk size line ends with a bare LF'),
  CHUNK_EXTENSION_INVALID: bad('chunk extension is malformed'),
  CHUNK_DATA_NO_CRLF: bad('chunk data is not followed by CRLF'),
  TRAILER_LINE_BARE_LF: bad('trailer line ends with a bare LF'),
  TRAILER_SECTION_TOO_LARGE: spec(431, (max) => `trailer section is larger than ${max} bytes`),
  TOO_MANY_TRAILERS: spec(431, (max) => `more than ${max} trailer fields`),

  // ---- the session's own answers ----
  REQUEST_TIMEOUT: spec(408, 'request was not received in time'),
  /** A complete request whose method is not in the registry (methods.ts); the routes never see it. */
  UNRECOGNISED_METHOD: spec(501, (method) => `request method "${method}" is not recognised`, false),
  /** A handler threw or returned something unsendable; the request was read completely. */
  HANDLER_FAILED: spec(500, 'internal error', false),
});

export type EngineErrorCode = keyof typeof ENGINE_ERRORS;

/** The reason text of `code`, its template filled with `detail`. */
export function reasonOf(code: EngineErrorCode, detail?: string | number): string {
  const { reason } = ENGINE_ERRORS[code];
  if (typeof reason === 'string') return reason;
  if (detail === undefined) throw new TypeError(`engine error ${code} needs a detail for its reason`);
  return reason(String(detail));
}
