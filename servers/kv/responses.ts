// Response builders for the routes. Error bodies come from the engine's errorResponse, so a client
// sees one `{"error": "<reason>"}` shape whether the engine or the API refused the request.
import { errorResponse } from '../http/index.js';
import type { HttpResponse } from '../http/types.js';

export type HeaderList = ReadonlyArray<readonly [name: string, value: string]>;

export const JSON_HEADERS: HeaderList = Object.freeze([Object.freeze(['content-type', 'application/json'] as const)]);
export const OCTET_HEADERS: HeaderList = Object.freeze([Object.freeze(['content-type', 'application/octet-stream'] as const)]);

/** A JSON response; `extraHeaders` come after Content-Type. */
export function jsonResponse(status: number, value: unknown, extraHeaders: HeaderList = []): HttpResponse {
  return {
    status,
    headers: extraHeaders.length === 0 ? JSON_HEADERS : [...JSON_HEADERS, ...extraHeaders],
    body: JSON.stringify(value),
  };
}

/** `{"error": reason}` with the given status, plus any extra headers (Allow, Retry-After). */
export function jsonError(status: number, reason: string, extraHeaders: HeaderList = []): HttpResponse {
  const response = errorResponse(status, reason);
  if (extraHeaders.length === 0) return response;
  return { ...response, headers: [...(response.headers ?? []), ...extraHeaders] };
}

/** A response built once and shared by every request that gets it (nothing mutates responses). */
export function frozenJsonError(status: number, reason: string, extraHeaders: HeaderList = []): HttpResponse {
  const response = jsonError(status, reason, extraHeaders);
  const body = response.body ?? '';
  return Object.freeze({ ...response, body: typeof body === 'string' ? Buffer.from(body) : body });
}
