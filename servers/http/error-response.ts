// The `{"error": "<reason>"}` response shape shared by the engine's own errors and the kv routes.
import { reasonOf } from './error-codes.js';
import type { HttpResponse } from './types.js';

const JSON_CONTENT_TYPE: ReadonlyArray<readonly [string, string]> = Object.freeze([
  Object.freeze(['content-type', 'application/json'] as const),
]);

export function errorResponse(status: number, reason: string): HttpResponse {
  return { status, headers: JSON_CONTENT_TYPE, body: JSON.stringify({ error: reason }) };
}

/** What a handler that throws (or returns something unsendable) turns into. */
export const INTERNAL_ERROR_REASON = reasonOf('HANDLER_FAILED');
