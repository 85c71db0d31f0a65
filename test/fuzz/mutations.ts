// Byte-wise mutations of corpus entries, as fast-check arbitraries (so failures shrink and
// replay from a seed): bit flips, byte overwrites, insertions of random bytes or of HTTP tokens
// that steer the parser into its corners, deletions, duplications, splices of another entry,
// truncations.
import fc from 'fast-check';
import { splitAtFractions } from '../http/support.js';
import { must } from '../../harness/must.js';

/** Tokens that matter to an HTTP/1.1 parser, inserted whole by the "token" mutation. */
const TOKENS = [
  '\r\n',
  '\r\n\r\n',
  '\n',
  '\r',
  ' ',
  '\t',
  ':',
  ';',
  ',',
  '%',
  '%00',
  '%zz',
  '%C3%A9',
  '\x00',
  '\x7f',
  '\xff',
  'Content-Length: ',
  'Content-Length: 0\r\n',
  'Content-Length: 99999999999999999999\r\n',
  'Content-Length: -1\r\n',
  'Transfer-Encoding: chunked\r\n',
  'Transfer-Encoding: gzip, chunked\r\n',
  'chunked',
  '0\r\n\r\n',
  'ffffffff\r\n',
  'Expect: 100-continue\r\n',
  'Connection: close\r\n',
  'Connection: keep-alive\r\n',
  'Host: x\r\n',
  'HTTP/1.0',
  'HTTP/1.1',
  'HTTP/2.0',
  'GET ',
  'HEAD ',
  'PUT /keys/',
  'POST /keys ',
  'DELETE ',
  '/keys/',
  '?q=1',
  '*',
  '{"key":"k","value":"v"}',
  '"\\ud800"',
  '9'.repeat(30),
].map((t) => Buffer.from(t, 'latin1'));

export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; value: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'token'; at: number; token: number }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number; times: number }
  | { op: 'splice'; at: number; from: number; start: number; length: number }
  | { op: 'truncate'; at: number };

const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant('set' as const), at, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('token' as const), at, token: fc.integer({ min: 0, max: TOKENS.length - 1 }) }) },
  fc.record({ op: fc.constant('delete' as const), at, length: fc.integer({ min: 1, max: 32 }) }),
  fc.record({ op: fc.constant('duplicate' as const), at, length: fc.integer({ min: 1, max: 64 }), times: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ op: fc.constant('splice' as const), at, from: fc.nat(), start: at, length: fc.integer({ min: 1, max: 256 }) }),
  fc.record({ op: fc.constant('truncate' as const), at }),
);

/** Applies `mutations` in order; `others` are the corpus entries a splice may borrow from. */
export function mutate(seed: Buffer, mutations: readonly Mutation[], others: readonly Buffer[]): Buffer {
  let b = Buffer.from(seed);
  for (const m of mutations) {
    const i = Math.floor(m.at * (b.length + 1));
    switch (m.op) {
      case 'flip':
        if (b.length > 0) {
          const at = Math.min(i, b.length - 1);
          b.writeUInt8(b.readUInt8(at) ^ (1 << m.bit), at); // readUInt8 throws out of range
        }
        break;
      case 'set':
        if (b.length > 0) b[Math.min(i, b.length - 1)] = m.value;
        break;
      case 'insert':
        b = Buffer.concat([b.subarray(0, i), Buffer.from(m.bytes), b.subarray(i)]);
        break;
      case 'token':
        b = Buffer.concat([b.subarray(0, i), must(TOKENS[m.token], 'the token the arbitrary picked'), b.subarray(i)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, i), b.subarray(i + m.length)]);
        break;
      case 'duplicate': {
        const piece = b.subarray(i, i + m.length);
        b = Buffer.concat([b.subarray(0, i), ...Array<Buffer>(m.times).fill(piece), b.subarray(i)]);
        break;
      }
      case 'splice': {
        const other = must(others[m.from % others.length], 'another seed to splice from');
        const start = Math.floor(m.start * other.length);
        b = Buffer.concat([b.subarray(0, i), other.subarray(start, start + m.length), b.subarray(i)]);
        break;
      }
      case 'truncate':
        b = b.subarray(0, i);
        break;
    }
  }
  return b;
}

/** Where to cut a byte stream into the chunks a driver would see; [-1] means one byte each. */
export const cutsArb = fc.oneof(
  { weight: 5, arbitrary: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 16 }) },
  { weight: 1, arbitrary: fc.constant([-1]) },
);

export function chunksOf(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  if (cuts.length === 1 && cuts[0] === -1) return [...bytes].map((x) => Buffer.from([x]));
  return splitAtFractions(bytes, cuts);
}
