// The floor server's one answer: a complete "200 OK" with a 2-byte body, built by hand (no
// engine, no serializer: the floor measures moving bytes, not HTTP work). Header names are in
// lower case, as the engine writes them.

let cannedSecond = Number.NaN;
let canned: Buffer = Buffer.alloc(0);

/** A complete "200 OK" response with a small body, rebuilt once a second for its Date. */
export function cannedOk(): Buffer {
  const second = Math.floor(Date.now() / 1000);
  if (second !== cannedSecond) {
    cannedSecond = second;
    canned = Buffer.from(
      'HTTP/1.1 200 OK\r\n' +
        `date: ${new Date(second * 1000).toUTCString()}\r\n` +
        'content-type: text/plain; charset=utf-8\r\n' +
        'content-length: 2\r\n' +
        '\r\n' +
        'ok',
      'latin1',
    );
  }
  return canned;
}
