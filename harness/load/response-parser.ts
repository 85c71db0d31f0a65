// The open-loop driver's response parser: just enough HTTP/1.1 to find where each response ends
// (status line, header block, Content-Length body), which is all the servers here send.
const HEADER_END = Buffer.from('\r\n\r\n');

/** Parses complete responses off the front of `buf`; returns [statuses, bytes consumed]. A
 *  response without Content-Length (or chunked) is reported as status -1. */
export function parseResponses(buf: Buffer): [number[], number] {
  const statuses: number[] = [];
  let at = 0;
  for (;;) {
    const end = buf.indexOf(HEADER_END, at);
    if (end < 0) break;
    const head = buf.toString('latin1', at, end);
    const status = Number(head.slice(9, 12));
    const m = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!m) {
      statuses.push(-1);
      at = buf.length;
      break;
    }
    const total = end + 4 + Number(m[1]) - at;
    if (buf.length - at < total) break;
    statuses.push(status);
    at += total;
  }
  return [statuses, at];
}
