// The floor server's framing-only scanner (servers/floor, not the engine): counts complete
// requests, whatever the split. Kept under test/http, next to the response parser it uses, as
// the unit-test project includes no test/floor directory.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cannedOk } from '../../servers/floor/canned-ok.js';
import { RequestBoundaryScanner } from '../../servers/floor/request-boundary.js';
import { parseResponses } from './support.js';

const get = 'GET / HTTP/1.1\r\nHost: h\r\n\r\n';
const put = (body: string) => `PUT /k HTTP/1.1\r\nHost: h\r\ncontent-LENGTH: ${body.length}\r\n\r\n${body}`;

describe('RequestBoundaryScanner', () => {
  it('counts pipelined requests in one chunk', () => {
    expect(new RequestBoundaryScanner().feed(Buffer.from(get + put('hello') + get))).toBe(3);
  });

  it('does not count a request until its Content-Length body is complete', () => {
    const scanner = new RequestBoundaryScanner();
    expect(scanner.feed(Buffer.from(put('hello').slice(0, -2)))).toBe(0);
    expect(scanner.feed(Buffer.from('lo' + get))).toBe(2);
  });

  it('counts the same total however the stream is split', () => {
    const stream = Buffer.from(get + put('\r\n\r\nbody that looks like a head end') + get + put('') + get);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 10 }), (cuts) => {
        const points = [0, ...new Set(cuts)].sort((a, b) => a - b).concat(stream.length);
        const scanner = new RequestBoundaryScanner();
        let total = 0;
        for (let i = 1; i < points.length; i++) total += scanner.feed(stream.subarray(points[i - 1], points[i]));
        expect(total).toBe(5);
      }),
      { numRuns: 200 },
    );
  });
});

describe('cannedOk', () => {
  it('is a complete 200 with Content-Length and a body', () => {
    const [response, ...rest] = parseResponses(cannedOk());
    expect(rest).toHaveLength(0);
    expect(response!.status).toBe(200);
    expect(response!.body.toString()).toBe('ok');
  });
});
