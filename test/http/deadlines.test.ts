// SessionOutput.restartTimer: the engine tells the driver when its request or idle timer
// restarts (deadlines.ts), so drivers no longer infer it from phase changes.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HttpSession, type Handler, type SessionOutput } from '../../servers/http/index.js';
import { FROZEN_NOW, newSession, splitAtFractions } from './support.js';

const GET = (path = '/') => `GET ${path} HTTP/1.1\r\nHost: h\r\n\r\n`;
const signal = (session: HttpSession, chunk: string) => session.receive(Buffer.from(chunk, 'latin1')).restartTimer;

describe('restartTimer', () => {
  it('idle -> receiving: the first byte of a request starts the request timer', () => {
    const session = newSession();
    expect(signal(session, 'GE')).toBe('request');
    expect(session.phase).toBe('receiving');
  });

  it('a leading empty line counts as the first byte of a request', () => {
    expect(signal(newSession(), '\r\n')).toBe('request');
  });

  it('a request split across chunks: started once, then left running, then idle when answered', () => {
    const session = newSession();
    const raw = 'PUT /k HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello';
    expect(signal(session, raw.slice(0, 6))).toBe('request');
    expect(signal(session, raw.slice(6, 30))).toBeUndefined();
    expect(signal(session, raw.slice(30, 49))).toBeUndefined();
    expect(signal(session, raw.slice(49))).toBe('idle');
    expect(session.phase).toBe('idle');
  });

  it('a whole request in one chunk: the idle timer restarts', () => {
    expect(signal(newSession(), GET())).toBe('idle');
  });

  it('pipelined requests: answered ones then a partial next one restart the request timer', () => {
    const session = newSession();
    expect(signal(session, GET('/1') + GET('/2') + 'GET /3 HT')).toBe('request');
    // The rest of /3 completes it, with nothing after: idle.
    expect(signal(session, 'TP/1.1\r\nHost: h\r\n\r\n')).toBe('idle');
  });

  it('a chunk that finishes one request and starts the next restarts the request timer', () => {
    const session = newSession();
    expect(signal(session, 'GET /1 HTTP/1.1\r\nHo')).toBe('request');
    expect(signal(session, 'st: h\r\n\r\nGET /2')).toBe('request');
    expect(signal(session, ' HTTP/1.1\r\n')).toBeUndefined();
  });

  it('100 Continue restarts the request timer: the body gets a whole window', () => {
    const session = newSession();
    expect(signal(session, 'PUT /k HTTP/1.1\r\nHost: h\r\n')).toBe('request');
    expect(signal(session, 'Expect: 100-continue\r\nContent-Length: 3\r\n\r\n')).toBe('request');
    expect(signal(session, 'ab')).toBeUndefined();
    expect(signal(session, 'c')).toBe('idle');
  });

  it('says nothing for an empty chunk, on close, on EOF or on timeout', () => {
    const session = newSession();
    expect(signal(session, '')).toBeUndefined();
    expect(newSession().receive(Buffer.from('GET / HTTP/1.1\r\n\r\n')).restartTimer).toBeUndefined(); // 400, close
    expect(newSession().receive(Buffer.from(`GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n`)).restartTimer).toBeUndefined();
    const partial = newSession();
    partial.receive(Buffer.from('GET'));
    expect(partial.timeout().restartTimer).toBeUndefined();
    expect(newSession().receive(null).restartTimer).toBeUndefined();
  });

  it('across resume(): buffered requests keep the request timer fresh, the last answer restarts idle', () => {
    const big: Handler = () => ({ status: 200, body: Buffer.alloc(1000, 0x61) });
    const session = new HttpSession(big, undefined, { now: () => FROZEN_NOW, outputBudgetBytes: 1500 });
    let out = session.receive(Buffer.from(GET().repeat(5)));
    const seen: (string | undefined)[] = [out.restartTimer];
    while (out.more) {
      out = session.resume();
      seen.push(out.restartTimer);
    }
    expect(seen).toEqual(['request', 'request', 'idle']);
  });
});

/** The rule both drivers used to apply themselves, from the phase before and after a call:
 *  kept here as the oracle that the engine's signal changes no timeout behaviour. */
function driversOldRule(before: string, after: string, out: SessionOutput): string | undefined {
  if (after === 'idle') return before !== 'idle' || out.data.length > 0 ? 'idle' : undefined;
  if (after === 'receiving' && (before === 'idle' || out.data.length > 0)) return 'request';
  return undefined;
}

const requestArb = fc.constantFrom(
  GET('/a'),
  'PUT /k HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc',
  'PUT /k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc',
  'POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
  '\r\n' + GET('/after-empty-line'),
  'GET /bad HTTP/1.1\r\nHost: h\r\nBad Name: x\r\n\r\n',
);

describe('property: restartTimer is the rule the drivers used to infer', () => {
  it('for any pipeline split anywhere, with and without an output budget', () => {
    fc.assert(
      fc.property(
        fc.array(requestArb, { minLength: 1, maxLength: 5 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 }),
        fc.boolean(),
        (requests, cuts, budget) => {
          const handler: Handler = () => ({ status: 200, body: 'x'.repeat(50) });
          const session = new HttpSession(handler, undefined, { now: () => FROZEN_NOW, ...(budget ? { outputBudgetBytes: 100 } : {}) });
          for (const chunk of splitAtFractions(Buffer.from(requests.join(''), 'latin1'), cuts)) {
            let before = session.phase;
            let out = session.receive(chunk);
            expect(out.restartTimer).toBe(out.close ? undefined : driversOldRule(before, session.phase, out));
            while (out.more) {
              before = session.phase;
              out = session.resume();
              expect(out.restartTimer).toBe(out.close ? undefined : driversOldRule(before, session.phase, out));
            }
            if (out.close) break;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
