// Public API of the sans-I/O HTTP/1.1 engine.
export { HttpSession, type HttpSessionOptions } from './session.js';
export { errorResponse, INTERNAL_ERROR_REASON } from './error-response.js';
export { ProtocolError, isProtocolError } from './errors.js';
export { ENGINE_ERRORS, reasonOf, type EngineErrorCode, type EngineErrorSpec } from './error-codes.js';
export { RequestParser, type ParseEvent, type RequestEvent } from './parser.js';
export { serializeResponse, serializedStatus, CONTINUE_RESPONSE, type SerializeOptions, type ConnectionHeader } from './serializer.js';
export { DEFAULT_HTTP_LIMITS, MAX_CHUNK_LINE_BYTES, resolveLimits } from './limits.js';
export { HttpDateCache, imfFixdate, type Clock } from './date.js';
export { reasonPhrase, REASON_PHRASES } from './status-codes.js';
export { isRecognisedMethod, RECOGNISED_METHODS } from './methods.js';
export type { Handler, HttpLimits, HttpRequest, HttpResponse, SessionOutput, SessionPhase } from './types.js';
export { timerToRestart, type TimerRestart } from './deadlines.js';
