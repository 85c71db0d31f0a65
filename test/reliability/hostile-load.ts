// Hostile clients under load: while the normal load (verified PUT/GET) runs, lanes of hostile
// clients hammer the same server with slowloris heads, giant headers and request lines, too many
// fields, oversized bodies (declared and chunked), garbage, and connections that vanish mid-
// request or mid-response or pipeline without reading. The normal load must keep a 100% success
// rate, every abuse the server must end itself must end with the documented status, the server
// must stay up, and its peak RSS (VmHWM) is reported.
import { startServer } from '../e2e/support/server-process.js';
import type { ServerKind } from '../../servers/server-kinds.js';
import { KeepAliveClient } from './support/keep-alive-client.js';
import { keyPath, putRequest } from './support/kv-requests.js';
import { readProcStatus, mib } from './support/proc-status.js';
import { runVerifiedLoad, type VerifiedLoadResult } from './support/verified-load.js';
import * as hostile from './support/hostile-clients.js';
import { randomBytes } from 'node:crypto';

export interface HostileOptions {
  kind: ServerKind;
  /** How long the hostile phase lasts (the normal load runs through it). */
  durationMs: number;
  /** Concurrent connections of each hostile behaviour. */
  lanesPerBehaviour: number;
  /** Bound on hostile connections per behaviour (on top of the time bound). */
  maxPerBehaviour: number;
  normalConnections: number;
  /** Size of the value the non-reading clients pipeline 200 GETs of. See the engine bug noted in
   *  hostile-pipelining.test.ts: at 512 KiB every server buffers ~100 MiB per such client. */
  pipelinedValueBytes: number;
  serverFlags?: string[];
}

/** The server's request timeout in this scenario: slowloris heads get 408 after it. */
export const REQUEST_TIMEOUT_MS = 1_000;
const GIVE_UP_MS = REQUEST_TIMEOUT_MS * 4 + 2_000;
const BIG_VALUE_BYTES = 512 * 1024;

/** What each behaviour must end in (the server closes it with this status, or at all). */
export const EXPECTED_OUTCOMES: Record<string, RegExp> = {
  'slowloris head': /^408$/,
  'giant header (1 MiB)': /^431$/,
  'too many header fields (1,000)': /^431$/,
  'giant request line (1 MiB)': /^414$/,
  'oversized body (Content-Length 100 MiB)': /^413$/,
  'oversized chunked body': /^413$/,
  // Any clean refusal: a 4xx, or 501/505 for an unsupported transfer coding or version, or the
  // request timeout closing a connection whose garbage happened to look like a partial request.
  'garbage bytes': /^(4\d\d|501|505|closed)$/,
};

/** Outcomes allowed only because of a known, documented bug (each names the test that shows it).
 *  Remove an entry when its bug is fixed: the strict expectation above then applies again. */
export const KNOWN_BUG_OUTCOMES: Record<string, Record<string, RegExp>> = {};

export interface HostileResult {
  kind: ServerKind;
  normal: VerifiedLoadResult;
  /** behaviour -> outcome -> count */
  outcomes: Record<string, Record<string, number>>;
  hostileConnections: number;
  healthAfter: number;
  serverAlive: boolean;
  peakRssMiB: number;
  rssBeforeMiB: number;
  peakThreads: number;
}

export async function runHostileLoad(o: HostileOptions): Promise<HostileResult> {
  const server = await startServer(o.kind, [
    '--request-timeout',
    `${REQUEST_TIMEOUT_MS}ms`,
    '--idle-timeout',
    '10s',
    ...(o.serverFlags ?? []),
  ]);
  try {
    const pid = server.child.pid!;
    // A large value for the mid-response and no-read clients to fetch.
    const bigPath = keyPath('big-value');
    const pipelinedPath = keyPath('pipelined-value');
    const setup = await KeepAliveClient.connect(server.port);
    for (const [key, bytes] of [
      ['big-value', BIG_VALUE_BYTES],
      ['pipelined-value', o.pipelinedValueBytes],
    ] as const) {
      const stored = await setup.request(putRequest(key, randomBytes(bytes)));
      if (stored.status !== 201) throw new Error(`storing ${key} answered ${stored.status}`);
    }
    setup.close();

    // Normal connections first: on sync they then own their threads before the flood.
    const clients = await Promise.all(Array.from({ length: o.normalConnections }, () => KeepAliveClient.connect(server.port)));
    const rssBeforeMiB = mib(readProcStatus(pid).vmRssKb);

    const behaviours: Array<[string, () => Promise<string>]> = [
      ['slowloris head', () => hostile.slowlorisHead(server.port, 150, GIVE_UP_MS)],
      ['giant header (1 MiB)', () => hostile.giantHeader(server.port, 1024 * 1024, GIVE_UP_MS)],
      ['too many header fields (1,000)', () => hostile.manyHeaders(server.port, 1_000, GIVE_UP_MS)],
      ['giant request line (1 MiB)', () => hostile.giantRequestLine(server.port, 1024 * 1024, GIVE_UP_MS)],
      ['oversized body (Content-Length 100 MiB)', () => hostile.oversizedBody(server.port, 100 * 1024 * 1024, 2 * 1024 * 1024, GIVE_UP_MS)],
      ['oversized chunked body', () => hostile.oversizedChunkedBody(server.port, 2 * 1024 * 1024, GIVE_UP_MS)],
      ['garbage bytes', () => hostile.garbage(server.port, 1 + Math.floor(Math.random() * 4096), GIVE_UP_MS)],
      ['close mid-request', () => hostile.closeMidRequest(server.port, Math.random() < 0.5)],
      ['close mid-response', () => hostile.closeMidResponse(server.port, bigPath)],
      ['pipeline 200 GETs without reading', () => hostile.pipelineWithoutReading(server.port, pipelinedPath, 200, 500)],
    ];

    const outcomes: Record<string, Record<string, number>> = {};
    let hostileConnections = 0;
    let peakThreads = 0;
    const phaseEnd = Date.now() + o.durationMs;
    const sampler = setInterval(() => {
      try {
        peakThreads = Math.max(peakThreads, readProcStatus(pid).threads);
      } catch {
        // the process is gone: serverAlive below says so
      }
    }, 100);

    const hostilePhase = Promise.all(
      behaviours.flatMap(([name, run]) =>
        Array.from({ length: o.lanesPerBehaviour }, async () => {
          const counts = outcomes[name] ?? {};
          outcomes[name] = counts;
          let started = 0;
          while (Date.now() < phaseEnd && started < o.maxPerBehaviour) {
            started++;
            hostileConnections++;
            let outcome: string;
            try {
              outcome = await run();
            } catch (err) {
              outcome = `client error: ${(err as Error).message}`;
            }
            counts[outcome] = (counts[outcome] ?? 0) + 1;
          }
        }),
      ),
    );
    const normal = await runVerifiedLoad({
      port: server.port,
      connections: o.normalConnections,
      clients,
      maxRequests: 1_000_000,
      timeLimitMs: o.durationMs + GIVE_UP_MS + 5_000,
      keyPrefix: 'normal',
      until: hostilePhase,
    });
    await hostilePhase;
    clearInterval(sampler);

    const serverAlive = server.child.exitCode === null && server.child.signalCode === null;
    let healthAfter = 0;
    if (serverAlive) {
      const c = await KeepAliveClient.connect(server.port);
      healthAfter = (await c.request(Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\n\r\n'))).status;
      c.close();
    }
    const status = readProcStatus(pid);
    return {
      kind: o.kind,
      normal,
      outcomes,
      hostileConnections,
      healthAfter,
      serverAlive,
      peakRssMiB: mib(status.vmHwmKb),
      rssBeforeMiB,
      peakThreads,
    };
  } finally {
    await server.stop('SIGTERM');
  }
}

/** Outcomes that break EXPECTED_OUTCOMES, as "behaviour: outcome xN". */
export function unexpectedOutcomes(r: HostileResult): string[] {
  const bad: string[] = [];
  for (const [name, counts] of Object.entries(r.outcomes)) {
    const expected = EXPECTED_OUTCOMES[name];
    const knownBug = KNOWN_BUG_OUTCOMES[r.kind]?.[name];
    for (const [outcome, n] of Object.entries(counts)) {
      if (outcome.startsWith('client error')) bad.push(`${name}: ${outcome} x${n}`);
      else if (expected && !expected.test(outcome) && !knownBug?.test(outcome)) bad.push(`${name}: ${outcome} x${n}`);
    }
  }
  return bad;
}

export function describeHostile(r: HostileResult): string {
  const per = Object.entries(r.outcomes)
    .map(
      ([name, counts]) =>
        `${name} {${Object.entries(counts)
          .map(([k, v]) => `${k}: ${v}`)
          .join(', ')}}`,
    )
    .join('; ');
  return (
    `[reliability] hostile ${r.kind}: normal load ${r.normal.succeeded}/${r.normal.requests} ok, ` +
    `${r.hostileConnections} hostile connections (${per}), health after ${r.healthAfter}, ` +
    `RSS before ${r.rssBeforeMiB} MiB, peak RSS ${r.peakRssMiB} MiB, peak threads ${r.peakThreads}`
  );
}
