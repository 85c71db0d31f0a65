// Request vectors: raw request bytes written beside the engine's expected outcome, one Markdown
// file per theme in test/http/vectors/ (the style of llhttp's test/request/*.md; the vectors are
// our own). Each is run through a fresh HttpSession in one chunk, split at every byte boundary,
// and one byte at a time; the outcome must be the same every time.
//
// A vector is a "## title" section with, in order:
//   - optional prose (where the engine is deliberately stricter or more lenient than llhttp, the
//     prose says so);
//   - optional `<!-- limits={"maxRequestLineBytes": 32} -->` (HttpLimits overrides);
//   - a ```http block: the raw input. Every line of the block ends in CRLF (so an empty last line
//     ends a head); a line ending in a lone `\` gets no CRLF; escapes: \r \n \t \0 \xHH \\ ;
//   - an ```events block: the expected transcript, one event per line:
//       request <method> <target> HTTP/1.<minor>   the handler got a request; then, indented,
//         <name>: <value>                          each header field as received (names lower-cased;
//                                                  an empty value is written <name>:)
//         body <JSON string>                       the body, when not empty (latin1)
//       continue                                   "100 Continue" was sent
//       answer <status> <JSON reason>              the engine answered a complete request itself
//       error <status> <CODE> <JSON reason>        a protocol error (named code); " headers-only"
//                                                  at the end when it had no body (HEAD)
//       close                                      the session closed the connection
//       incomplete                                 the input ended inside a request
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HttpSession, type Handler, type HttpLimits, type HttpRequest } from '../../servers/http/index.js';
import { FROZEN_NOW } from './support.js';

const VECTOR_DIR = fileURLToPath(new URL('./vectors/', import.meta.url));

interface Vector {
  title: string;
  limits: Partial<HttpLimits>;
  input: Buffer;
  events: string[];
}

/** The raw bytes of an ```http block (see the rules above). */
function decodeInput(block: string): Buffer {
  const bytes: number[] = [];
  for (const line of block.split('\n')) {
    let crlf = true;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (c !== '\\') {
        const code = line.charCodeAt(i);
        if (code > 0xff) throw new Error(`vector input character ${JSON.stringify(c)} is not one byte; write \\xHH`);
        bytes.push(code);
        continue;
      }
      const next = line[i + 1];
      if (next === undefined) {
        crlf = false; // a lone backslash ends the line: no CRLF
        break;
      }
      i++;
      if (next === 'r') bytes.push(0x0d);
      else if (next === 'n') bytes.push(0x0a);
      else if (next === 't') bytes.push(0x09);
      else if (next === '0') bytes.push(0x00);
      else if (next === '\\') bytes.push(0x5c);
      else if (next === 'x') {
        const hex = line.slice(i + 1, i + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`bad \\x escape in ${JSON.stringify(line)}`);
        bytes.push(parseInt(hex, 16));
        i += 2;
      } else throw new Error(`unknown escape \\${next} in ${JSON.stringify(line)}`);
    }
    if (crlf) bytes.push(0x0d, 0x0a);
  }
  return Buffer.from(bytes);
}

function parseVectorFile(text: string, file: string): Vector[] {
  const sections = text.split(/^## /m).slice(1);
  return sections.map((section) => {
    const title = section.slice(0, section.indexOf('\n')).trim();
    const http = /^```http\n([\s\S]*?)\n```$/m.exec(section)?.[1];
    const events = /^```events\n([\s\S]*?)\n?```$/m.exec(section)?.[1];
    if (http === undefined || events === undefined) throw new Error(`${file}: "${title}" needs an http block and an events block`);
    const limits = /<!-- limits=(\{.*?\}) -->/.exec(section)?.[1];
    return {
      title,
      limits: limits === undefined ? {} : (JSON.parse(limits) as Partial<HttpLimits>),
      input: decodeInput(http),
      events: events.split('\n').filter((line) => line.trim() !== ''),
    };
  });
}

/** Runs `chunks` through a fresh session and writes down what happened, as in an events block. */
function transcript(chunks: Buffer[], limits: Partial<HttpLimits>): { events: string[]; output: Buffer } {
  const requests: HttpRequest[] = [];
  const handler: Handler = (request) => {
    requests.push(request);
    return { status: 200, headers: [['x-handler', 'yes']], body: 'ok' };
  };
  const session = new HttpSession(handler, limits, { now: () => FROZEN_NOW });
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    let result = session.receive(chunk);
    out.push(...result.data);
    while (result.more) {
      result = session.resume();
      out.push(...result.data);
    }
    if (result.close) break;
  }
  const output = Buffer.concat(out);
  return {
    events: [
      ...walk(output, requests, session),
      ...(session.phase === 'closed' ? ['close'] : session.phase === 'receiving' ? ['incomplete'] : []),
    ],
    output,
  };
}

/** Turns the output bytes (and the requests the handler saw, in order) into events. */
function walk(output: Buffer, requests: HttpRequest[], session: HttpSession): string[] {
  const events: string[] = [];
  let at = 0;
  let handled = 0;
  while (at < output.length) {
    const headEnd = output.indexOf('\r\n\r\n', at);
    if (headEnd < 0) throw new Error(`truncated response head: ${JSON.stringify(output.subarray(at).toString('latin1'))}`);
    const [statusLine = '', ...fieldLines] = output.subarray(at, headEnd).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]);
    const fields = new Map(fieldLines.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)] as const));
    at = headEnd + 4;
    if (status === 100) {
      events.push('continue');
      continue;
    }
    const length = Number(fields.get('content-length') ?? 0);
    if (fields.get('x-handler') === 'yes') {
      const r = requests[handled++];
      if (r === undefined)
        throw new Error(`response ${handled} says the handler ran, but the handler saw only ${requests.length} requests`);
      events.push(`request ${r.method} ${r.target} HTTP/1.${r.minor}`);
      for (const [name, value] of r.headers) events.push(value === '' ? `  ${name}:` : `  ${name}: ${value}`);
      if (r.body.length > 0) events.push(`  body ${JSON.stringify(r.body.toString('latin1'))}`);
      if (r.method !== 'HEAD') at += length;
      continue;
    }
    const headersOnly = at === output.length && length > 0;
    const reason = headersOnly
      ? session.protocolError?.reason
      : (JSON.parse(output.toString('utf8', at, at + length)) as { error: string }).error;
    if (!headersOnly) at += length;
    const error = session.protocolError;
    if (at === output.length && error !== null && error.status === status && fields.get('connection') === 'close') {
      events.push(`error ${status} ${error.code} ${JSON.stringify(reason)}${headersOnly ? ' headers-only' : ''}`);
    } else {
      events.push(`answer ${status} ${JSON.stringify(reason)}`);
    }
  }
  if (handled !== requests.length) throw new Error(`${requests.length} requests handled, ${handled} answered`);
  return events;
}

const files = readdirSync(VECTOR_DIR)
  .filter((f) => f.endsWith('.md'))
  .sort();

describe('vector input notation', () => {
  it('ends every line in CRLF, but not after a lone backslash, and decodes escapes', () => {
    expect(decodeInput('GET / HTTP/1.1\nHost: h\n').toString('latin1')).toBe('GET / HTTP/1.1\r\nHost: h\r\n\r\n');
    expect(decodeInput('a\\r\\n\\t\\0\\x7f\\\\b\\').toString('latin1')).toBe('a\r\n\t\0\x7f\\b');
  });
});

for (const file of files) {
  const vectors = parseVectorFile(readFileSync(VECTOR_DIR + file, 'utf8'), file);
  describe(`vectors/${file}`, () => {
    it.each(vectors.map((v) => [v.title, v] as const))('%s', (_title, vector) => {
      const whole = transcript([vector.input], vector.limits);
      expect(whole.events).toEqual(vector.events);
      // The same outcome, byte for byte, however the input is split.
      const { input } = vector;
      for (let cut = 1; cut < input.length; cut++) {
        const split = transcript([input.subarray(0, cut), input.subarray(cut)], vector.limits);
        expect(split.output.equals(whole.output), `split at ${cut}`).toBe(true);
        expect(split.events, `split at ${cut}`).toEqual(whole.events);
      }
      const bytewise = transcript(
        [...input].map((b) => Buffer.from([b])),
        vector.limits,
      );
      expect(bytewise.events, 'one byte at a time').toEqual(whole.events);
    });
  });
}
