// Response builders for the routes. Error bodies are `{"error": "<reason>"}` JSON, the same shape
// the HTTP engine uses for protocol errors, so a client parses one error shape whatever produced it.
import type { HttpResponse } from '../http/types.js';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export const JSON_HEADERS: HeaderList = Object.freeze([Object.freeze(['content-type', 'application/json'] as const)]);
export const OCTET_HEADERS: HeaderList = Object.freeze([
  Object.freeze(['content-type', 'application/octet-stream'] as const),
]);

/** A JSON response; `extraHeaders` come after Content-Type. */
export function jsonResponse(status: number, value: unknown, extraHeaders: HeaderList = []): HttpResponse {
  return {
    status,
    headers: extraHeaders.length === 0 ? JSON_HEADERS : [...JSON_HEADERS, ...extraHeaders],
    body: JSON.stringify(value),
  };
}

/** `{"error": reason}` with the given status. */
export function jsonError(status: number, reason: string, extraHeaders: HeaderList = []): HttpResponse {
  return jsonResponse(status, { error: reason }, extraHeaders);
}

/** A response built once and shared by every request that gets it (nothing mutates responses). */
export function frozenJsonError(status: number, reason: string, extraHeaders: HeaderList = []): HttpResponse {
  const response = jsonError(status, reason, extraHeaders);
  return Object.freeze({ ...response, body: Buffer.from(response.body as string) });
}
