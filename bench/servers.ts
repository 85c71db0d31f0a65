// `npm run bench:servers`: throughput of async, reference, sync (when built) and floor on GET and
// on a 90/10 GET/PUT mix, in interleaved rounds, with the load driver pinned to one CPU and the
// servers to the other. A benchmark, not a test: it prints figures and the target ratios
// (async >= 1.5x reference on both workloads, async >= 0.6x floor on GET); it asserts nothing.
//
//   node dist/bench/servers.js [--rounds 3] [--duration 5] [--connections 50]
//                                      [--servers async,reference,sync,floor] [--driver wrk|autocannon]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { seedDatabase } from '../servers/kv/index.js';
import { median } from '../harness/analysis/stats.js';
import {
  AVAILABLE_DRIVER,
  TASKSET,
  cpuCount,
  pinned,
  processCpuSeconds,
  runAutocannon,
  runWrk,
  type DriverName,
  type LoadResult,
  type LoadSpec,
  type Workload,
} from './load-drivers.js';

const DIST = fileURLToPath(new URL('../', import.meta.url));
const CLI = path.join(DIST, 'cli/mkvss-lab.js');
const KEY_COUNT = 10_000;
const VALUE_BYTES = 100;
const WORKLOADS: Workload[] = ['get', 'mix'];

const { values: flags } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    servers: { type: 'string' },
    driver: { type: 'string' },
  },
});
const rounds = wholeNumber('--rounds', flags.rounds!, 1, 20);
const durationS = wholeNumber('--duration', flags.duration!, 1, 120);
const connections = wholeNumber('--connections', flags.connections!, 1, 10_000);
const driver = (flags.driver ?? AVAILABLE_DRIVER) as DriverName;
if (driver !== 'wrk' && driver !== 'autocannon') fail(`--driver must be wrk or autocannon, got "${driver}"`);
const syncBuilt = existsSync(path.join(DIST, 'servers/sync/server.js'));
const servers = (flags.servers?.split(',') ?? ['async', 'reference', ...(syncBuilt ? ['sync'] : []), 'floor']).map((s) => s.trim());
for (const s of servers) if (!['async', 'reference', 'sync', 'floor'].includes(s)) fail(`unknown server "${s}"`);

// Two CPUs or more: the driver gets CPU 0, the servers CPU 1 (one event loop each). Fewer: no pinning.
const pinning = TASKSET && cpuCount() >= 2;
const DRIVER_CPU = pinning ? '0' : null;
const SERVER_CPU = pinning ? '1' : null;

interface Started {
  kind: string;
  port: number;
  child: ChildProcess;
}

/**
 * The blocking server needs a thread per connection, and growing its pool costs ~150 ms of CPU
 * per thread here (a Node worker is a whole V8 isolate): started at its default floor (16) it
 * would spend the measured rounds growing, and retiring between them. So it starts with a
 * thread per benchmark connection up front, and the figures are its steady state.
 */
function syncThreadArgs(): string[] {
  return ['--threads', String(connections), '--max-threads', String(Math.max(512, connections))];
}

async function startServer(kind: string, db: string): Promise<Started> {
  const extra = kind === 'sync' ? syncThreadArgs() : [];
  const [cmd, args] = pinned(SERVER_CPU, process.execPath, [CLI, 'serve', kind, '--port', '0', '--db', db, ...extra]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      const m = /listening on http:\/\/\S+:(\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`${kind} server exited with code ${code} before it was ready`)));
  });
  return { kind, port, child };
}

async function stopServer(s: Started): Promise<void> {
  if (s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once('exit', r));
  s.child.kill('SIGTERM');
  await exited;
}

interface Sample extends LoadResult {
  serverCpuPercent: number;
}

async function measure(s: Started, workload: Workload, seconds: number, scratch: string): Promise<Sample> {
  const spec: LoadSpec = { port: s.port, workload, connections, durationS: seconds, keyCount: KEY_COUNT, valueBytes: VALUE_BYTES, cpu: DRIVER_CPU };
  const cpuBefore = processCpuSeconds(s.child.pid!) ?? NaN;
  const t0 = performance.now();
  const result = driver === 'wrk' ? await runWrk(spec, scratch) : await runAutocannon(spec);
  const serverCpuPercent = (((processCpuSeconds(s.child.pid!) ?? NaN) - cpuBefore) / ((performance.now() - t0) / 1000)) * 100;
  return { ...result, serverCpuPercent };
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-bench-'));
  const started: Started[] = [];
  const onSignal = () => {
    for (const s of started) s.child.kill('SIGTERM');
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  try {
    console.log(
      `bench:servers — ${servers.join(', ')}; GET and 90/10 GET/PUT on ${KEY_COUNT} seeded keys of ${VALUE_BYTES} B; ` +
        `${connections} connections; ${rounds} interleaved rounds x ${durationS} s; driver ${driver}; ` +
        (pinning ? 'driver pinned to CPU 0, servers to CPU 1' : 'no CPU pinning (taskset missing or one CPU)') +
        (servers.includes('sync') ? `; sync started with ${syncThreadArgs().join(' ')} (a thread per connection up front: steady state, not pool growth)` : ''),
    );
    for (const kind of servers) {
      // Each server gets its own database file, seeded alike, so one server's PUTs do not
      // change what another reads.
      const db = path.join(scratch, `${kind}.db`);
      if (kind !== 'floor') seedDatabase(db, KEY_COUNT, VALUE_BYTES, (i) => `k${i}`);
      started.push(await startServer(kind, db));
    }
    // Warm-up: let each server's JIT settle before anything counts.
    for (const s of started) for (const w of WORKLOADS) await measure(s, w, 1, scratch);

    const samples = new Map<string, Sample[]>();
    for (let round = 1; round <= rounds; round++) {
      for (const workload of WORKLOADS) {
        // Rotate the order each round so no server always runs right after a given other one.
        const order = started.map((_, i) => started[(i + round) % started.length]!);
        for (const s of order) {
          const sample = await measure(s, workload, durationS, scratch);
          const key = `${s.kind}/${workload}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          process.stderr.write(
            `  round ${round} ${key}: ${Math.round(sample.requestsPerS)} req/s, p99 ${sample.p99Ms.toFixed(2)} ms` +
              `${sample.failures ? `, ${sample.failures} FAILURES` : ''}\n`,
          );
        }
      }
    }
    printTable(samples);
  } finally {
    await Promise.all(started.map(stopServer));
    rmSync(scratch, { recursive: true, force: true });
  }
}

function printTable(samples: Map<string, Sample[]>): void {
  const rows: string[][] = [['server', 'workload', 'req/s median (min-max)', 'p99 ms', 'failures', 'driver CPU %', 'server CPU %', 'req per server CPU-s', 'driver']];
  const medians = new Map<string, number>();
  for (const workload of WORKLOADS) {
    for (const kind of servers) {
      const xs = samples.get(`${kind}/${workload}`) ?? [];
      if (xs.length === 0) continue;
      const rps = xs.map((x) => x.requestsPerS);
      medians.set(`${kind}/${workload}`, median(rps));
      rows.push([
        kind,
        workload === 'get' ? 'GET' : '90/10 GET/PUT',
        `${fmt(median(rps))} (${fmt(Math.min(...rps))}-${fmt(Math.max(...rps))})`,
        median(xs.map((x) => x.p99Ms)).toFixed(2),
        String(xs.reduce((n, x) => n + x.failures, 0)),
        median(xs.map((x) => x.driverCpuPercent)).toFixed(0),
        median(xs.map((x) => x.serverCpuPercent)).toFixed(0),
        // Throughput per unit of server CPU: the server's own efficiency, which stays readable
        // when another process steals the server's core and req/s alone would mislead.
        fmt(median(xs.map((x) => x.requestsPerS / (x.serverCpuPercent / 100)))),
        [...new Set(xs.map((x) => x.driver))].join('+'),
      ]);
    }
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  console.log('\n' + rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ')).join('\n'));

  const ratio = (a: string, b: string) => {
    const x = medians.get(a);
    const y = medians.get(b);
    return x !== undefined && y !== undefined ? x / y : undefined;
  };
  console.log('\nratios of medians (target):');
  const checks: Array<[string, number | undefined, number | undefined]> = [
    ['async/reference GET', ratio('async/get', 'reference/get'), 1.5],
    ['async/reference mix', ratio('async/mix', 'reference/mix'), 1.5],
    ['async/floor GET', ratio('async/get', 'floor/get'), 0.6],
    ['async/floor mix', ratio('async/mix', 'floor/mix'), undefined],
    ['async/sync GET', ratio('async/get', 'sync/get'), undefined],
    ['async/sync mix', ratio('async/mix', 'sync/mix'), undefined],
  ];
  for (const [name, value, target] of checks) {
    if (value === undefined) continue;
    const verdict = target === undefined ? '' : value >= target ? `  (>= ${target}: met)` : `  (>= ${target}: NOT met)`;
    console.log(`  ${name.padEnd(22)} ${value.toFixed(2)}x${verdict}`);
  }
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < min || n > max) fail(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  return n;
}

function fail(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

await main();
