// Reason phrases (RFC 9110 §15). The phrase is informational only; an unknown status gets an
// empty one, which RFC 9112 §4 allows.

export const REASON_PHRASES: Readonly<Record<number, string>> = Object.freeze({
  100: 'Continue',
  101: 'Switching Protocols',
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  203: 'Non-Authoritative Information',
  204: 'No Content',
  205: 'Reset Content',
  206: 'Partial Content',
  300: 'Multiple Choices',
  301: 'Moved Permanently',
  302: 'Found',
  303: 'See Other',
  304: 'Not Modified',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  407: 'Proxy Authentication Required',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  411: 'Length Required',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Range Not Satisfiable',
  417: 'Expectation Failed',
  421: 'Misdirected Request',
  422: 'Unprocessable Content',
  426: 'Upgrade Required',
  428: 'Precondition Required',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  505: 'HTTP Version Not Supported',
});

export function reasonPhrase(status: number): string {
  return REASON_PHRASES[status] ?? '';
}

/** "HTTP/1.1 404 Not Found\r\n" for every status 100..599, built once: the hot path only indexes. */
const STATUS_LINES: string[] = [];
for (let status = 100; status <= 599; status++) {
  STATUS_LINES[status] = `HTTP/1.1 ${status} ${reasonPhrase(status)}\r\n`;
}

export function statusLine(status: number): string {
  const line = STATUS_LINES[status];
  if (line === undefined) throw new RangeError(`no status line for ${status}: statuses run from 100 to 599`);
  return line;
}
