// The request methods the engine recognises: the IANA "HTTP Method Registry" (RFC 9110 §16.1,
// §18.2), which holds the methods RFC 9110 defines (§9.3) and those of later specifications
// (PATCH, WebDAV, ...). Who decides what:
//   - the engine recognises a method or not: one outside this registry is answered
//     501 Not Implemented (RFC 9110 §9.1, §15.6.2) without calling the handler;
//   - the routes decide which recognised methods a resource allows: 405 with Allow otherwise.
// Methods are case-sensitive (RFC 9110 §9.1): "get" is not GET and is not recognised.
// To serve an extension method, add it here.

const REGISTERED = new Set([
  'ACL',
  'BASELINE-CONTROL',
  'BIND',
  'CHECKIN',
  'CHECKOUT',
  'CONNECT',
  'COPY',
  'DELETE',
  'GET',
  'HEAD',
  'LABEL',
  'LINK',
  'LOCK',
  'MERGE',
  'MKACTIVITY',
  'MKCALENDAR',
  'MKCOL',
  'MKREDIRECTREF',
  'MKWORKSPACE',
  'MOVE',
  'OPTIONS',
  'ORDERPATCH',
  'PATCH',
  'POST',
  'PRI',
  'PROPFIND',
  'PROPPATCH',
  'PUT',
  'REBIND',
  'REPORT',
  'SEARCH',
  'TRACE',
  'UNBIND',
  'UNCHECKOUT',
  'UNLINK',
  'UNLOCK',
  'UPDATE',
  'UPDATEREDIRECTREF',
  'VERSION-CONTROL',
]);

/** True for a method in the registry ("*" is reserved there, not a method). */
export function isRecognisedMethod(method: string): boolean {
  return REGISTERED.has(method);
}

export const RECOGNISED_METHODS: ReadonlySet<string> = REGISTERED;
