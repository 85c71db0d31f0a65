// The parser returns the previous string again when a known field (Host, User-Agent, ...) repeats
// its value byte for byte. The handler must still see exactly the bytes of each request.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { echoOf, newSession, parseResponses, run } from './support.js';

const request = (fields: [string, string][]) => `GET / HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`;

function echoedHeaders(requests: [string, string][][]): [string, string][][] {
  const { bytes } = run(newSession(), requests.map(request));
  return parseResponses(bytes).map((r) => echoOf(r).headers);
}

describe('known field values repeated across requests', () => {
  it('reach the handler as sent when they repeat, change in one byte, or change length', () => {
    const sent: [string, string][][] = [
      [
        ['Host', 'a:1'],
        ['User-Agent', 'bench/1'],
        ['Authorization', 'Basic x'],
      ],
      [
        ['Host', 'a:1'],
        ['User-Agent', 'bench/1'],
        ['Authorization', 'Basic x'],
      ],
      [
        ['Host', 'a:2'],
        ['User-Agent', 'bench/2'],
        ['Authorization', 'Basic y'],
      ],
      [
        ['Host', 'a:22'],
        ['User-Agent', ''],
        ['Authorization', ''],
      ],
      [
        ['Host', 'a:1'],
        ['Accept', 'caf\u00e9'],
        ['Accept', 'cafe'],
      ],
    ];
    const lower = sent.map((fields) => fields.map(([n, v]): [string, string] => [n.toLowerCase(), v]));
    expect(echoedHeaders(sent)).toEqual(lower);
  });

  it('property: any sequence of values for the known names comes back as sent', () => {
    const valueArb = fc.constantFrom('', 'h', 'h:1', 'h:2', 'x\u00ff', 'x\u00fe', 'h:12');
    const hostArb = fc.constantFrom('', 'h', 'h:1', 'h:2', 'h:12');
    const fieldsArb = fc.array(fc.tuple(fc.constantFrom('host', 'accept', 'user-agent', 'cache-control'), valueArb), { maxLength: 4 });
    fc.assert(
      fc.property(fc.array(fc.tuple(hostArb, fieldsArb), { minLength: 1, maxLength: 6 }), (requests) => {
        // Exactly one Host per request, as HTTP/1.1 requires.
        const withHost = requests.map(([host, fields]): [string, string][] => [['host', host], ...fields.filter(([n]) => n !== 'host')]);
        expect(echoedHeaders(withHost)).toEqual(withHost);
      }),
      { numRuns: 200 },
    );
  });
});
