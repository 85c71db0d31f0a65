// `npm run bench:cross-validate`: does the factor between the servers depend on the load driver?
// A benchmark, not a test: it prints figures and ratios and asserts nothing.
//
// Each server is started once (the harness's own server start, pinning and workloads), warmed up
// under load, and then measured by every driver in turn, in interleaved rounds: the same warm
// process answers both drivers, so JIT warm-up cannot differ between them (issue 12: sync's CPU per
// request keeps falling for a minute). For each driver it prints async ÷ each other server on each
// workload, and whether the default driver's ratio agrees with the other drivers' within 10%.
// Each driver's own CPU is shown beside its figures (% of its core and µs per request), which is
// also how the drivers' headroom is compared (`--servers async --drivers net,autocannon,wrk`).
//
//   node dist/bench/cross-validate.js [--servers sync,async] [--workloads get,mixed]
//     [--drivers net,wrk] [-c 50] [--rounds 2] [--duration 4s] [--warmup 1s] [--server-warmup 30s]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command, Option } from 'commander';
import { seedDatabase } from '../servers/kv/index.js';
import { cpuMicrosPerRequest, decodeHistogram, median } from '../harness/analysis/stats.js';
import { runLoad, type LoadOutcome } from '../harness/load/run-load.js';
import { CLOSED_LOOP_DRIVERS, DEFAULT_DRIVER, describeDriver, driverProblem, type ClosedLoopDriverName } from '../harness/load/drivers.js';
import { preloadKey, WORKLOADS } from '../harness/load/workloads.js';
import { killServer, serverFlags, startServer, stopServer, type RunningChild } from '../harness/run/server-process.js';
import { readyTimeoutFor } from '../harness/run/process-load.js';
import { DEFAULT_REQUEST_TIMEOUT_MS, SERVER_NAMES } from '../harness/run/settings.js';
import { planCpus, pinProcess, serverPlacement } from '../harness/system/pinning.js';
import { ProcSampler } from '../harness/system/proc-sampler.js';
import { duration, nameList, wholeNumber } from '../cli/flags.js';
import { must } from '../harness/must.js';
import type { ServerName, WorkloadName } from '../harness/schema/report-schema.js';

/** Two ratios "agree" when they differ by at most this share. */
const AGREEMENT = 0.1;
interface Options {
  servers: ServerName[];
  workloads: WorkloadName[];
  drivers: ClosedLoopDriverName[];
  concurrency: number;
  rounds: number;
  duration: number;
  warmup: number;
  serverWarmup: number;
  keys: number;
  valueSize: number;
}

interface Sample {
  throughput: number;
  driverCpuPct: number;
  driverUsPerRequest: number;
  serverCpuPct: number;
  serverUsPerRequest: number;
  p50Us: number;
  p99Us: number;
  failures: number;
}

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '-';

async function measure(
  o: Options,
  running: RunningChild,
  workload: WorkloadName,
  driver: ClosedLoopDriverName,
  durationMsValue: number,
  warmupMs: number,
  seed: number,
): Promise<Sample> {
  const plan = planCpus(true);
  const sampler = new ProcSampler([running.pid]);
  let serverCpuPct = Number.NaN;
  const load: LoadOutcome = await runLoad(
    {
      mode: 'closed',
      driver,
      host: '127.0.0.1',
      port: running.port,
      workload,
      connections: o.concurrency,
      pipelining: 1,
      warmupMs,
      durationMs: durationMsValue,
      keys: o.keys,
      valueSize: o.valueSize,
      seed,
      timeoutMs: DEFAULT_REQUEST_TIMEOUT_MS,
      cannedOk: running.server === 'floor',
    },
    plan,
    { onWindowStart: () => sampler.start(), onWindowEnd: () => (serverCpuPct = sampler.stop().cpuPct) },
  );
  const h = decodeHistogram(load.histogram);
  const failures = load.requests - load.expected;
  return {
    throughput: load.expected / (load.windowMs / 1000),
    driverCpuPct: load.driverCpuPct,
    driverUsPerRequest: cpuMicrosPerRequest(load.driverCpuPct, load.windowMs, load.responses),
    serverCpuPct,
    serverUsPerRequest: cpuMicrosPerRequest(serverCpuPct, load.windowMs, load.responses),
    p50Us: h.getValueAtPercentile(50),
    p99Us: h.getValueAtPercentile(99),
    failures,
  };
}

async function main(o: Options): Promise<void> {
  for (const d of o.drivers) {
    const problem = driverProblem(d, o.workloads, false);
    if (problem) {
      if (d === 'wrk' && problem.includes('PATH')) {
        process.stderr.write('note: wrk is not installed; cross-validating without it.\n');
        o.drivers = o.drivers.filter((x) => x !== 'wrk');
        continue;
      }
      throw new Error(problem);
    }
  }
  const plan = planCpus(true);
  if (plan.pinned) pinProcess(process.pid, plan.driverCpus);
  const scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-xval-'));
  const running: RunningChild[] = [];
  const onSignal = () => {
    for (const r of running) killServer(r);
    rmSync(scratch, { recursive: true, force: true });
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const started = performance.now();
  const log = (line: string) => process.stderr.write(`[${fmt((performance.now() - started) / 1000)} s] ${line}\n`);
  try {
    console.log(
      `cross-validate: ${o.servers.join(', ')}; ${o.workloads.join(', ')}; c=${o.concurrency}; drivers ${o.drivers.map((d) => `${d} (${describeDriver(d).version})`).join(', ')}; ` +
        `${o.rounds} interleaved rounds x ${o.duration / 1000} s after ${o.warmup / 1000} s of driver warm-up; each server warmed ${o.serverWarmup / 1000} s first and kept up; ` +
        (plan.pinned
          ? `driver on CPU ${plan.driverCpus.join(',')}, servers on CPU ${plan.serverCpus.join(',')}`
          : `not pinned (${plan.note})`),
    );
    for (const server of o.servers) {
      const db = path.join(scratch, `${server}.db`);
      if (server !== 'floor') seedDatabase(db, o.keys, o.valueSize, preloadKey);
      running.push(
        await startServer(
          server,
          db,
          serverPlacement(plan),
          {},
          readyTimeoutFor(server, o.concurrency),
          serverFlags(server, o.concurrency),
        ),
      );
    }
    // Warm every server (JIT, sync's threads) with the default driver before anything counts.
    for (const r of running) {
      log(`warming ${r.server} for ${o.serverWarmup / 1000} s`);
      for (const w of o.workloads) await measure(o, r, w, DEFAULT_DRIVER, Math.max(100, o.serverWarmup / o.workloads.length), 0, 99);
    }
    const samples = new Map<string, Sample[]>();
    const key = (s: string, w: string, d: string) => `${s}/${w}/${d}`;
    for (let round = 1; round <= o.rounds; round++) {
      for (const workload of o.workloads) {
        // Rotate servers and drivers every round: neither always runs first or right after the other.
        for (const r of rotated(running, round)) {
          for (const driver of rotated(o.drivers, round)) {
            const s = await measure(o, r, workload, driver, o.duration, o.warmup, round);
            samples.set(key(r.server, workload, driver), [...(samples.get(key(r.server, workload, driver)) ?? []), s]);
            log(
              `round ${round} ${r.server} ${workload} ${driver}: ${fmt(s.throughput)} req/s, driver ${fmt(s.driverCpuPct)}% (${fmt(s.driverUsPerRequest, 1)} µs/req), server ${fmt(s.serverCpuPct)}% (${fmt(s.serverUsPerRequest, 1)} µs/req)${s.failures ? `, ${s.failures} failed` : ''}`,
            );
          }
        }
      }
    }
    printResults(o, samples, key);
  } finally {
    for (const r of running) await stopServer(r).catch((err: Error) => process.stderr.write(`warning: ${err.message}\n`));
    rmSync(scratch, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function printResults(o: Options, samples: Map<string, Sample[]>, key: (s: string, w: string, d: string) => string): void {
  const med = (xs: Sample[], pick: (s: Sample) => number) => median(xs.map(pick));
  const rows: string[][] = [
    [
      'server',
      'workload',
      'driver',
      'req/s median (min-max)',
      'p50 µs',
      'p99 µs',
      'failed',
      'driver CPU %',
      'driver µs/req',
      'server CPU %',
      'server µs/req',
    ],
  ];
  for (const w of o.workloads) {
    for (const s of o.servers) {
      for (const d of o.drivers) {
        const xs = samples.get(key(s, w, d)) ?? [];
        if (xs.length === 0) continue;
        const t = xs.map((x) => x.throughput);
        rows.push([
          s,
          w,
          d,
          `${fmt(median(t))} (${fmt(Math.min(...t))}-${fmt(Math.max(...t))})`,
          fmt(med(xs, (x) => x.p50Us)),
          fmt(med(xs, (x) => x.p99Us)),
          String(xs.reduce((n, x) => n + x.failures, 0)),
          fmt(med(xs, (x) => x.driverCpuPct)),
          fmt(
            med(xs, (x) => x.driverUsPerRequest),
            1,
          ),
          fmt(med(xs, (x) => x.serverCpuPct)),
          fmt(
            med(xs, (x) => x.serverUsPerRequest),
            1,
          ),
        ]);
      }
    }
  }
  const widths = must(rows[0], 'the header row').map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  console.log(
    `\n${rows.map((r) => r.map((cell, c) => cell.padEnd(must(widths[c], 'a header cell for every column'))).join('  ')).join('\n')}`,
  );

  if (!o.servers.includes('async') || o.servers.length < 2) return;
  console.log('\nasync ÷ other server, ratio of median req/s:');
  for (const w of o.workloads) {
    for (const other of o.servers.filter((s) => s !== 'async')) {
      const ratios = new Map<ClosedLoopDriverName, number>();
      for (const d of o.drivers) {
        const a = samples.get(key('async', w, d));
        const b = samples.get(key(other, w, d));
        if (a && b) ratios.set(d, med(a, (x) => x.throughput) / med(b, (x) => x.throughput));
      }
      const shown = [...ratios].map(([d, r]) => `${d} ${r.toFixed(2)}x`).join(', ');
      console.log(`  ${w.padEnd(6)} async ÷ ${other.padEnd(9)} ${shown}`);
      // The first driver named is the one the others are held against.
      const first = o.drivers[0];
      const base = first === undefined ? undefined : ratios.get(first);
      for (const [d, r] of ratios) {
        if (first === undefined || d === first || base === undefined) continue;
        const diff = base / r - 1;
        const verdict =
          Math.abs(diff) <= AGREEMENT
            ? `agree (${first} is ${fmt(diff * 100, 1)}% from ${d})`
            : `DIFFER by ${fmt(diff * 100, 1)}%: ${explain(o, samples, key, w, other, first, d)}`;
        console.log(`         ${first} vs ${d}: ${verdict}`);
      }
    }
  }
}

/** A reason for two drivers' ratios to differ, read from what was measured. */
/** xs started `by` places along (wrapping round): element i is xs[(i + by) % xs.length]. */
function rotated<T>(xs: readonly T[], by: number): T[] {
  const k = xs.length === 0 ? 0 : by % xs.length;
  return [...xs.slice(k), ...xs.slice(0, k)];
}

function explain(
  o: Options,
  samples: Map<string, Sample[]>,
  key: (s: string, w: string, d: string) => string,
  w: WorkloadName,
  other: ServerName,
  a: ClosedLoopDriverName,
  b: ClosedLoopDriverName,
): string {
  const reasons: string[] = [];
  for (const d of [a, b]) {
    for (const s of ['async', other]) {
      const xs = samples.get(key(s, w, d)) ?? [];
      const drv = median(xs.map((x) => x.driverCpuPct));
      const srv = median(xs.map((x) => x.serverCpuPct));
      if (drv >= 90) reasons.push(`${d} was driver-bound on ${s} (${fmt(drv)}% of its core)`);
      else if (srv < 85 && s !== 'sync')
        reasons.push(`${s} under ${d} used only ${fmt(srv)}% of its core (neither side saturated: machine contention?)`);
    }
  }
  // The same warm process answered both drivers: if its CPU per request differs between them, the
  // server itself was in a different state (still warming, or sharing its core) when each measured.
  for (const s of ['async', other]) {
    const us = (d: ClosedLoopDriverName) => median((samples.get(key(s, w, d)) ?? []).map((x) => x.serverUsPerRequest));
    const change = us(a) / us(b) - 1;
    if (Math.abs(change) > AGREEMENT)
      reasons.push(`${s} spent ${fmt(us(a), 1)} µs of CPU per request under ${a} and ${fmt(us(b), 1)} under ${b} (${fmt(change * 100)}%)`);
  }
  if (o.rounds < 2) reasons.push('one round only: no spread to judge the noise by');
  const spreadWide = [a, b].some((d) =>
    ['async', other].some((s) => {
      const t = (samples.get(key(s, w, d)) ?? []).map((x) => x.throughput);
      return t.length > 1 && (Math.max(...t) - Math.min(...t)) / median(t) > 2 * AGREEMENT;
    }),
  );
  if (spreadWide) reasons.push(`round-to-round spread above ${2 * AGREEMENT * 100}% for some cell: more rounds or a quieter machine`);
  return reasons.length > 0
    ? reasons.join('; ')
    : 'no driver saturated, the servers spent the same CPU per request under both and the spread is small: unexplained';
}

const program = new Command()
  .name('cross-validate')
  .description('async ÷ the other servers under each load driver, on the same warm servers, interleaved.')
  .option('--servers <list>', 'servers, kept up for the whole run', nameList('--servers', SERVER_NAMES), ['sync', 'async'] as ServerName[])
  .option('--workloads <list>', 'workloads (crud needs the net or autocannon driver)', nameList('--workloads', WORKLOADS), [
    'get',
    'mixed',
  ] as WorkloadName[])
  .option(
    '--drivers <list>',
    `drivers, the first is the reference (${CLOSED_LOOP_DRIVERS.join(', ')})`,
    nameList('--drivers', CLOSED_LOOP_DRIVERS),
    [DEFAULT_DRIVER, 'wrk'] as ClosedLoopDriverName[],
  )
  .option('-c, --concurrency <n>', 'connections (sync gets a thread per connection up front)', wholeNumber('--concurrency', 1, 4096), 50)
  .option('--rounds <n>', 'interleaved rounds', wholeNumber('--rounds', 1, 20), 2)
  .addOption(
    new Option('--duration <d>', 'measured window').argParser(duration('--duration', { minMs: 100, maxMs: 120_000 })).default(4000, '4s'),
  )
  .addOption(
    new Option('--warmup <d>', 'driver warm-up before each window (wrk rounds up to whole seconds)')
      .argParser(duration('--warmup', { allowZero: true, minMs: 100, maxMs: 60_000 }))
      .default(1000, '1s'),
  )
  .addOption(
    new Option('--server-warmup <d>', 'load on each server before the rounds')
      .argParser(duration('--server-warmup', { allowZero: true, minMs: 100, maxMs: 600_000 }))
      .default(30_000, '30s'),
  )
  .option('--keys <n>', 'keys preloaded', wholeNumber('--keys', 1, 10_000_000), 10_000)
  .option('--value-size <bytes>', 'bytes per value', wholeNumber('--value-size', 0, 65_536), 64)
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));

program.parse(process.argv);
try {
  await main(program.opts<Options>());
} catch (err) {
  process.stderr.write(`error: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
