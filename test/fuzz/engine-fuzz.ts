// The engine fuzz run, shared by the short (npm test) and long (npm run soak) variants: fast-check
// properties over (1) corpus entries mutated byte-wise, (2) the same split two ways, (3) generated
// valid pipelines, (4) endless streams that must hit a limit instead of being buffered. Every
// case goes through engine-oracle.ts; this file only generates inputs and keeps the figures.
import fc from 'fast-check';
import { performance } from 'node:perf_hooks';
import { loadCorpus } from './corpus.js';
import { DEFAULT_LIMITS, SMALL_LIMITS, checkSession, newStats, outputOf, recordingKvHandler, type OracleStats } from './engine-oracle.js';
import { chunksOf, cutsArb, mutate, mutationArb } from './mutations.js';
import type { HttpLimits } from '../../servers/http/index.js';
import { must } from '../../harness/must.js';

export interface FuzzRuns {
  mutated: number;
  splitInvariance: number;
  generated: number;
  endlessStreams: number;
  /** fast-check seed (printed on failure by fast-check itself; fixed here for a replayable run). */
  seed?: number;
}

export interface FuzzFigures {
  stats: OracleStats;
  corpusEntries: number;
  slowestCaseMs: number;
  heapGrowthMiB: number;
  endlessBytesFed: number;
  /** Wall time of each property, ms. */
  phaseMs: Record<string, number>;
}

const limitsArb = fc.constantFrom<HttpLimits>(DEFAULT_LIMITS, SMALL_LIMITS);

/** Valid requests of the API, rendered to bytes with their expected request count. */
const keyArb = fc.string({ minLength: 1, maxLength: 12, unit: 'grapheme' });
const validRequestArb = fc
  .record({
    method: fc.constantFrom('GET', 'HEAD', 'PUT', 'DELETE', 'POST'),
    key: keyArb,
    value: fc.uint8Array({ maxLength: 200 }),
    chunked: fc.boolean(),
    http10: fc.boolean(),
    expect: fc.boolean(),
  })
  .map(({ method, key, value, chunked, http10, expect }) => {
    const hasBody = method === 'PUT' || method === 'POST';
    const body =
      method === 'POST' ? Buffer.from(JSON.stringify({ key, value: Buffer.from(value).toString('base64') })) : Buffer.from(value);
    const target = method === 'POST' ? '/keys' : `/keys/${encodeURIComponent(key)}`;
    const lines = [`${method} ${target} HTTP/1.${http10 ? 0 : 1}`, 'Host: fuzz'];
    if (http10) lines.push('Connection: keep-alive');
    let payload = Buffer.alloc(0);
    if (hasBody) {
      if (expect && !http10) lines.push('Expect: 100-continue');
      if (chunked && !http10) {
        lines.push('Transfer-Encoding: chunked');
        const half = Math.floor(body.length / 2);
        const parts = [body.subarray(0, half), body.subarray(half)].filter((p) => p.length > 0);
        payload = Buffer.concat([
          ...parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]),
          Buffer.from('0\r\n\r\n'),
        ]);
      } else {
        lines.push(`Content-Length: ${body.length}`);
        payload = body;
      }
    }
    return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), payload]);
  });

/** Streams that never complete an element: the engine must refuse them at a limit. */
const endlessArb = fc.record({
  shape: fc.constantFrom('header-lines', 'one-header-value', 'request-line', 'chunk-extensions', 'pipelined-valid'),
  chunkBytes: fc.integer({ min: 256, max: 64 * 1024 }),
  limits: limitsArb,
});

function endlessStream(shape: string, totalBytes: number): { head: Buffer; unit: Buffer } {
  switch (shape) {
    case 'header-lines':
      return { head: Buffer.from('GET / HTTP/1.1\r\n'), unit: Buffer.from('X-A: b\r\n') };
    case 'one-header-value':
      return { head: Buffer.from('GET / HTTP/1.1\r\nX-Long: '), unit: Buffer.alloc(1024, 'v') };
    case 'request-line':
      return { head: Buffer.from('GET /'), unit: Buffer.alloc(1024, 'p') };
    case 'chunk-extensions':
      return {
        head: Buffer.from('PUT /keys/a HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1'),
        unit: Buffer.from(';e=' + 'x'.repeat(1021)),
      };
    default:
      // Valid and complete, over and over: handled one by one, nothing piles up.
      void totalBytes;
      return { head: Buffer.alloc(0), unit: Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\n\r\n') };
  }
}

export function runEngineFuzz(runs: FuzzRuns): FuzzFigures {
  const corpus = loadCorpus();
  const seeds = corpus.map((e) => e.bytes);
  const stats = newStats();
  const kv = recordingKvHandler();
  let slowestCaseMs = 0;
  let endlessBytesFed = 0;
  const timed = (f: () => void) => {
    const t = performance.now();
    f();
    slowestCaseMs = Math.max(slowestCaseMs, performance.now() - t);
  };
  const phaseMs: Record<string, number> = {};
  const phase = (name: string, f: () => void) => {
    const t = performance.now();
    f();
    phaseMs[name] = Math.round(performance.now() - t);
  };
  const params = (numRuns: number) => ({ numRuns, ...(runs.seed !== undefined ? { seed: runs.seed } : {}) });
  const heapBefore = process.memoryUsage().heapUsed;

  // 1. Real captures and hand-written cases, mutated byte-wise, fed in arbitrary chunks.
  phase('mutated', () =>
    fc.assert(
      fc.property(fc.nat(), fc.array(mutationArb, { minLength: 0, maxLength: 8 }), cutsArb, limitsArb, (pick, mutations, cuts, limits) => {
        const input = mutate(must(seeds[pick % seeds.length], 'a seed (the corpus is never empty)'), mutations, seeds);
        timed(() => checkSession(chunksOf(input, cuts), limits, stats, kv));
      }),
      params(runs.mutated),
    ),
  );

  // 2. The same mutated bytes, whole and split: byte-identical output.
  phase('splitInvariance', () =>
    fc.assert(
      fc.property(fc.nat(), fc.array(mutationArb, { maxLength: 6 }), cutsArb, limitsArb, (pick, mutations, cuts, limits) => {
        const input = mutate(must(seeds[pick % seeds.length], 'a seed (the corpus is never empty)'), mutations, seeds);
        const whole = outputOf([input], limits);
        const split = outputOf(chunksOf(input, cuts), limits);
        if (!whole.equals(split)) throw new Error('output depends on how the input was split');
      }),
      params(runs.splitInvariance),
    ),
  );

  // 3. Generated valid pipelines: every request answered by the routes, no protocol error.
  phase('generated', () =>
    fc.assert(
      fc.property(fc.array(validRequestArb, { minLength: 1, maxLength: 6 }), cutsArb, (requests, cuts) => {
        const before = stats.protocolErrors.size === 0 ? 0 : [...stats.protocolErrors.values()].reduce((a, b) => a + b, 0);
        const responsesBefore = stats.responses;
        timed(() => checkSession(chunksOf(Buffer.concat(requests), cuts), DEFAULT_LIMITS, stats, kv));
        const after = [...stats.protocolErrors.values()].reduce((a, b) => a + b, 0);
        if (after !== before) throw new Error('a valid request got a protocol error');
        if (stats.responses - responsesBefore !== requests.length) {
          throw new Error(`${requests.length} valid requests, ${stats.responses - responsesBefore} final responses`);
        }
      }),
      params(runs.generated),
    ),
  );

  // 4. Endless streams (up to 2 MiB each): held bytes stay bounded; incomplete shapes are
  //    refused at their limit, the valid pipeline is served throughout.
  phase('endlessStreams', () =>
    fc.assert(
      fc.property(endlessArb, ({ shape, chunkBytes, limits }) => {
        const { head, unit } = endlessStream(shape, 0);
        const units = Math.ceil((2 * 1024 * 1024) / unit.length);
        const stream = Buffer.concat([head, ...Array<Buffer>(units).fill(unit)]);
        const chunks = chunksOf(
          stream,
          Array.from({ length: Math.floor(stream.length / chunkBytes) }, (_, i) => ((i + 1) * chunkBytes) / stream.length),
        );
        let output: Buffer = Buffer.alloc(0);
        timed(() => {
          output = checkSession(chunks, limits, stats, kv);
        });
        endlessBytesFed += stream.length;
        const refused = /^HTTP\/1\.1 (400|413|414|431) /m.test(output.subarray(Math.max(0, output.length - 4096)).toString('latin1'));
        if (shape !== 'pipelined-valid' && !refused) throw new Error(`endless ${shape} was not refused at a limit`);
        if (shape === 'pipelined-valid' && refused) throw new Error('a valid pipeline was refused');
      }),
      params(runs.endlessStreams),
    ),
  );

  return {
    stats,
    corpusEntries: corpus.length,
    slowestCaseMs: Math.round(slowestCaseMs),
    heapGrowthMiB: Math.round((process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024),
    endlessBytesFed,
    phaseMs,
  };
}

export function describeFuzz(runs: FuzzRuns, f: FuzzFigures): string {
  const total = runs.mutated + runs.splitInvariance + runs.generated + runs.endlessStreams;
  return (
    `[reliability] fuzz: ${total} cases (${runs.mutated} mutated captures, ${runs.splitInvariance} split-invariance, ` +
    `${runs.generated} generated pipelines, ${runs.endlessStreams} endless streams) from ${f.corpusEntries} corpus entries; ` +
    `${f.stats.inputs} sessions, ${(f.stats.bytes / 1024 / 1024).toFixed(1)} MiB fed (${(f.endlessBytesFed / 1024 / 1024).toFixed(0)} MiB endless), ` +
    `${f.stats.responses} responses, protocol errors ${JSON.stringify(Object.fromEntries(f.stats.protocolErrors))}, ` +
    `most bytes held ${f.stats.maxBuffered}, slowest case ${f.slowestCaseMs} ms, heap growth ${f.heapGrowthMiB} MiB, ms per property ${JSON.stringify(f.phaseMs)}`
  );
}
