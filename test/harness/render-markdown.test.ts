// report.md is pinned byte for byte against a fixed report: any change to the wording or a figure's
// format shows up here as a diff to review. Independent checks below make sure the pinned text itself
// carries the fixture's numbers (a snapshot alone would pin a wrong figure just as happily).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Report } from '../../harness/schema/report-schema.js';
import { renderMarkdown } from '../../harness/report/render.js';
import { thousands } from '../../harness/report/format.js';
import { must } from '../../harness/must.js';

const load = (name: string): Report => JSON.parse(readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8')) as Report;

const EXPECTED_BASIC = `# mkvss-lab compare: async vs sync

Run started 2026-03-14T10:00:00.000Z.

## get, 64 connections

|  | sync | async ⚠ | async vs sync |
|:---|---:|---:|:---|
| Throughput (req/s) | 17,469 (17,395-17,655) | 24,213 (23,601-24,929) | 1.39x higher (1.29-1.48) |
| Avg latency | 3.71 ms (3.65-3.71) | 2.70 ms (2.65-2.71) | 1.37x faster (1.27-1.47) |
| P50 latency | 3.47 ms (3.42-3.49) | 2.59 ms (2.54-2.61) | 1.34x faster (1.25-1.43) |
| P90 latency | 5.46 ms (5.35-5.46) | 3.71 ms (3.63-3.73) | 1.47x faster (1.37-1.57) |
| P99 latency | 7.86 ms (7.66-7.96) | 4.99 ms (4.85-4.99) | 1.58x faster (1.47-1.69) |
| P99.9 latency | 10.2 ms (10.1-10.4) | 6.25 ms (6.11-6.42) | 1.64x faster (1.52-1.75) |
| P99.99 latency | 53.8 ms (50.5-61.2) | 36.5 ms (32.0-39.8) | 1.47x faster (1.37-1.58) |
| Max latency | 73.9 ms (70.6-75.0) | 56.2 ms (55.1-56.3) | 1.31x faster (1.22-1.41) |
| Success rate | 100% | 100% | tie (0.93-1.07) |
| Server CPU (% of one core) | 125% (125-129) | 99% (96-99) |  |
| Server RSS (peak) | 143.0 MiB (142.2-143.4) | 89.2 MiB (88.0-89.6) |  |
| Server threads (peak) | 72 | 11 |  |
| Driver CPU (% of one core) | 71% (70-71) | 98% (97-99) |  |

Median of 3 rounds, min-max in brackets. Percentiles: each round's own (from its histogram), then the median over the rounds. Latency in ms; CPU in % of one core (over 100% = more than one core).

⚠ async: driver-bound: the load generator, not the server, was the limit, so every figure in this column is what the driver could push (a floor under the server's capacity). Why: driver CPU 97.5% of one core (>= 90%); throughput 89% of the driver ceiling

## put, 64 connections

|  | sync | async | async vs sync |
|:---|---:|---:|:---|
| Throughput (req/s) | 6,015 (5,996-6,028) | 6,198 (6,143-6,269) | tie (0.96-1.06) |
| Avg latency | 11.0 ms (11.0-11.2) | 10.5 ms (10.4-10.7) | tie (0.96-1.06) |
| P50 latency | 10.1 ms (10.1-10.3) | 10.0 ms (10.0-10.2) | tie (0.96-1.06) |
| P90 latency | 16.9 ms (16.9-17.3) | 14.7 ms (14.6-15.0) | 1.15x faster (1.07-1.23) |
| P99 latency | 25.9 ms (25.5-26.3) | 20.3 ms (20.1-20.5) | 1.28x faster (1.19-1.37) |
| P99.9 latency | 35.5 ms (35.0-35.6) | 25.5 ms (25.2-25.9) | 1.39x faster (1.29-1.49) |
| P99.99 latency | 141 ms (135-142) | 141 ms (130-141) | tie (0.94-1.07) |
| Max latency | 211 ms (197-213) | 204 ms (194-214) | tie (0.96-1.11) |
| Success rate | 99.99003% (99.98999-99.99005) | 99.99677% (99.99674-99.99681) | 3.09x less error-prone (2.88-3.31) |
| Server CPU (% of one core) | 103% (102-105) | 96% (95-97) |  |
| Server RSS (peak) | 151.0 MiB (148.7-152.4) | 96.1 MiB (94.7-97.9) |  |
| Server threads (peak) | 72 | 11 |  |
| Driver CPU (% of one core) | 38% | 37% |  |

Median of 3 rounds, min-max in brackets. Percentiles: each round's own (from its histogram), then the median over the rounds. Latency in ms; CPU in % of one core (over 100% = more than one core).

## Setup

- CPU: AMD EPYC 7B13, 2 cores
- Memory: 7.8 GiB
- Node: v20.20.2
- Kernel: 6.1.0-31-cloud-amd64 (linux x64)
- Machine fingerprint: 3f9a2c71
- Pinning: driver on CPUs 0, servers on CPUs 1
- Rounds: 3 per server, 10 s measured after 2 s warm-up
- Servers: sync, async
- Workloads: get, put
- Concurrency: 64 connection(s)
- Keys: 10,000 preloaded, values of 64 bytes
- Pipelining: none (1 request in flight per connection)
- Load: closed loop (each connection sends its next request after the response)
- Driver: autocannon 8.0.0, 1 worker
- Driver ceiling (vs floor server): 27,310 req/s against the floor server (get, 64 connections, driver CPU 99%); the fastest server (async, get, 64 connections) reached 89% of it
- Command: mkvss-lab compare --servers sync,async --workloads get,put --concurrency 64 --rounds 3

## Pre-flight

- sync: ok (24 steps, same statuses and bodies)
- async: ok (24 steps, same statuses and bodies)

## Rows written

Each measurement ran on a fresh database: expected rows = the preloaded keys + the creates the server acknowledged - the deletes, counted after each round and summed over the rounds.

- sync, put, 64 connections: 193,600 rows, expected 193,600 (3 rounds x 10,000 preloaded + 163,600 net creates): ok
- async, put, 64 connections: 195,700 rows, expected 195,700 (3 rounds x 10,000 preloaded + 165,700 net creates): ok

## Warnings

- async get 64: driver-bound: the load generator, not the server, limited throughput; the async vs sync factor for get is a lower bound
`;

describe('renderMarkdown', () => {
  const basic = load('report-basic.json');

  it('renders the basic report exactly', () => {
    expect(renderMarkdown(basic)).toBe(EXPECTED_BASIC);
  });

  it('is deterministic and uses only report.createdAt as time', () => {
    expect(renderMarkdown(basic)).toBe(renderMarkdown(structuredClone(basic)));
    expect(renderMarkdown(basic)).toContain(basic.createdAt);
    const later = { ...basic, createdAt: '2030-01-01T00:00:00.000Z' };
    expect(renderMarkdown(later)).toContain('2030-01-01T00:00:00.000Z');
  });

  it('shows each cell median throughput with thousands separators in its row', () => {
    const row = renderMarkdown(basic)
      .split('\n')
      .filter((l) => l.startsWith('| Throughput'));
    expect(row).toHaveLength(2);
    for (const cell of basic.cells) {
      const line = row[cell.workload === 'get' ? 0 : 1];
      expect(line).toContain(`${thousands(cell.summary.throughput.median)} (`);
    }
  });

  it('marks a server that is not ok once, in its column header, and says why under the table', () => {
    const md = renderMarkdown(basic);
    const getTable = md.slice(md.indexOf('## get'), md.indexOf('## put'));
    expect(getTable).toContain('|  | sync | async ⚠ | async vs sync |');
    expect(getTable.match(/⚠/g)).toHaveLength(2); // the header mark and its footnote
    expect(getTable).toMatch(/^⚠ async: driver-bound: .*every figure in this column.* Why: driver CPU 97\.5% of one core/m);
    expect(md.slice(md.indexOf('## put'), md.indexOf('## Setup'))).not.toContain('⚠');
  });

  it("takes the expected rows apart, so a read-only run's rows read as the preloaded keys", () => {
    const readOnly = structuredClone(basic);
    const cell = readOnly.cells.find((c) => c.workload === 'get' && c.server === 'sync')!;
    cell.rowsCheck = { expectedRows: 30_000, actualRows: 30_000, ok: true };
    expect(renderMarkdown(readOnly)).toContain(
      '- sync, get, 64 connections: 30,000 rows, expected 30,000 (3 rounds x 10,000 preloaded + 0 net creates): ok',
    );
    readOnly.setup.warmServers = [];
    cell.rowsCheck = { expectedRows: 10_050, actualRows: 10_050, ok: true };
    const warm = renderMarkdown(readOnly);
    expect(warm).toContain('Each server kept one database from its start');
    expect(warm).toContain('10,050 rows, expected 10,050 (10,000 preloaded + 50 net creates): ok');
  });

  it('words the comparison from report.comparisons, ties as ties', () => {
    const md = renderMarkdown(basic);
    const put = basic.comparisons.find((c) => c.workload === 'put')!;
    expect(put.factors.find((f) => f.metric === 'throughput')!.tie).toBe(true);
    expect(md).toMatch(/\| Throughput \(req\/s\) \| 6,015 .* \| tie \(0\.96-1\.06\) \|/);
  });

  it('falls back to its own wording when a factor has none', () => {
    const copy = structuredClone(basic);
    const f = must(copy.comparisons[0]?.factors[0], 'the first factor');
    f.wording = '';
    expect(renderMarkdown(copy)).toContain('| 1.39x higher (1.29-1.48) |');
  });

  it('one table per (workload, concurrency) for a sweep, with setup, pre-flight, rows and warnings', () => {
    const sweep = load('report-sweep.json');
    const md = renderMarkdown(sweep);
    expect(md.match(/^## mixed, \d+ connections$/gm)).toEqual([
      '## mixed, 16 connections',
      '## mixed, 64 connections',
      '## mixed, 256 connections',
    ]);
    expect(md).toContain('- Pinning: not pinned (driver and server share all cores)');
    expect(md).toContain('- async: MISMATCH (24 steps): step 17 DELETE /kv/missing: status 404 vs 204');
    expect(md).toContain(
      '- sync, mixed, 256 connections: 72,397 rows, expected 72,400 (3 rounds x 10,000 preloaded + 42,400 net creates): MISMATCH (-3 rows)',
    );
    expect(md).toContain('- unpinned: driver and servers share both cores; figures are noisier');
    expect(md).toContain('- Driver ceiling (vs floor server): not measured');
  });

  it('links the charts when given', () => {
    const md = renderMarkdown(basic, { charts: [{ file: 'throughput.png', title: 'Throughput per server' }] });
    expect(md).toContain('![Throughput per server](throughput.png)');
  });

  it('rejects something that is not a v2 report', () => {
    expect(() => renderMarkdown({ ...basic, version: 1 } as unknown as Report)).toThrow(
      /report is mkvss-lab\/report version 1; this build reads version 2 only/,
    );
    expect(() => renderMarkdown({ ...basic, cells: undefined } as unknown as Report)).toThrow(/v2 schema: \/cells: Expected/);
  });
});
