// `mkvss-lab compare` (and `npm run compare -- ...`): flags -> CompareSettings, the run, then the
// report written under --out and printed. Usage errors are one line on stderr and exit 2; a server
// that fails pre-flight or cannot run makes exit 1.
import { EXIT_USAGE } from '../harness/exit-codes.js';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { duration, formatDuration, nameList, rate, wholeNumber, wholeNumberList } from './flags.js';
import type { ServerName, WorkloadName } from '../harness/schema/report-schema.js';
import { DEFAULT_COMPARE_SETTINGS as D, SERVER_NAMES, type CompareSettings } from '../harness/run/settings.js';
import { runComparison } from '../harness/run/compare.js';
import { kneeCrossCheck, kneeOptions, kneeSettingsFrom, KNEE_HELP } from './knee-flags.js';
import { runKnee } from '../harness/run/knee.js';
import { saveReport } from '../harness/report/output.js';
import { renderTerminal, reportJson } from '../harness/report/render.js';
import { WORKLOADS } from '../harness/load/workloads.js';
import { CLOSED_LOOP_DRIVERS, DEFAULT_DRIVER, driverProblem, type ClosedLoopDriverName } from '../harness/load/drivers.js';
import { collectTarget } from './target-flag.js';
import type { RemoteTarget } from '../harness/run/settings.js';

function label(raw: string): string {
  if (!/^[A-Za-z0-9._-]{1,40}$/.test(raw))
    throw new InvalidArgumentError(
      `--label must be 1-40 letters, digits, dots, dashes or underscores (it becomes part of a folder name), got "${raw}".`,
    );
  return raw;
}

const HELP_AFTER = `
How a run works:
  Each server is started as a child process on a free port with a fresh copy of a database
  preloaded with --keys keys, checked with GET /health, loaded in 1 s slices until its CPU per
  request is steady (at most --steady-cap; a round that hits it is marked "not steady"), measured,
  then stopped with SIGTERM (it must exit 0). Every measurement gets a fresh server and database
  (--keep-servers: one kept up across rounds). Servers never run at the same time; rounds
  interleave them (A B, B A, ...) so machine drift hits all alike. Unless the floor server is
  compared, each round also has one short slot of the driver alone against it (the driver ceiling).
  Before any load, every server except floor answers the same scripted requests (pre-flight) and
  must match the API and each other; one that does not is not benchmarked (exit 1).
  Load comes from a node:net closed-loop driver in its own process (--driver autocannon or wrk
  instead; with --rate: an open-loop driver), pinned to its own CPU with taskset; the servers get
  the other CPUs.

Remote targets (--target NAME=http://HOST:PORT, repeatable):
  Measures servers that already run elsewhere (ours or anyone's with the same API) instead of
  starting local ones: a run is either all local or all remote (no --servers, --keep-servers).
  It WRITES to each target: pre-flight PUTs, POSTs and DELETEs the keys preflight-a,
  "preflight b/c" and preflight-empty (they must not exist beforehand, and are deleted again);
  then the --keys preload keys k0..k<n-1> are PUT over HTTP once per target (and left there);
  put, mixed and crud workloads write more. Use a server whose data you can lose.
  The lab cannot see a remote server's CPU, RSS or threads (reported as "remote: not sampled")
  nor count its rows (rows check "not checked (remote)"); the warm-up until steady goes by
  throughput (three 1 s slices within 10% on req/s); the driver is not pinned and no driver
  ceiling is measured. The first target named is the baseline of the comparisons.

What the report means:
  req/s      responses with the status the workload expects, per second; median of the rounds
             with the min-max spread.
  latency    per response, microsecond HDR histogram (with --rate: from the intended send time);
             each percentile is each round's own, then the median over the rounds.
  verdict    per round: ok; driver-bound (the load generator used >= 90% of its CPU: the figure
             is a floor, not the server's limit); suspect (no requests completed; the driver fell
             behind: its event loop or send schedule over 20 ms late at p99, wrk's not seen and
             recorded as 0; or --rate target missed by over 5%). A cell takes its worst round
             (suspect > driver-bound > ok); rows in the database not matching acknowledged
             writes make it suspect; a round "not steady" makes an ok cell suspect and leaves a
             driver-bound one driver-bound (both reasons listed).
  factors    candidate vs baseline: geometric mean of the per-round ratios with a 95% paired
             t-interval on the log ratios from 3 rounds; a winner only when the interval
             excludes 1 (a paired t-test at 5%), else a tie (2 rounds: their range, 1 round: the
             ratio alone; nothing called). Each other server is compared with sync (or with the
             first server).
  Output: <out>/<timestamp>[-label]/ (report.json, report.md, charts, report.html) and <out>/latest.

Examples:
  npm run compare
  npm run compare -- --servers sync,async,floor -c 1,10,50,200 --workload get,mixed --rounds 5
  npm run compare -- --rate 5000 -c 50 --workload put
  mkvss-lab compare --target mine=http://127.0.0.1:8080 --target theirs=http://server-host:8080
`;

export function registerCompareCommand(program: Command): void {
  const compare = program
    .command('compare')
    .description('Measure servers side by side under the same load, in interleaved rounds, and write a report.')
    .addOption(
      new Option('--servers <list>', `servers to compare (${SERVER_NAMES.join(', ')})`)
        .argParser(nameList('--servers', SERVER_NAMES))
        .default(D.servers, D.servers.join(',')),
    )
    .addOption(
      new Option('-c, --concurrency <n[,n...]>', 'connections; a list (1,10,50,200) makes a sweep')
        .argParser(wholeNumberList('--concurrency', 1, 10_000))
        .default(D.concurrency, D.concurrency.join(',')),
    )
    .addOption(
      new Option('-d, --duration <duration>', 'measured window per server, round, workload and concurrency')
        .argParser(duration('--duration', { minMs: 100 }))
        .default(D.durationMs, formatDuration(D.durationMs)),
    )
    .addOption(
      new Option('--warmup <duration>', 'unmeasured lead-in load just before each window, after the warm-up until steady (0 for none)')
        .argParser(duration('--warmup', { allowZero: true, minMs: 100 }))
        .default(D.warmupMs, formatDuration(D.warmupMs)),
    )
    .option('--rounds <n>', 'interleaved rounds; the table shows their median and spread', wholeNumber('--rounds', 1, 100), D.rounds)
    .addOption(
      new Option(
        '--workload <list>',
        'get (random preloaded keys), put (random keys), mixed (90% GET / 10% PUT), crud (POST, GET, PUT, DELETE on fresh keys)',
      )
        .argParser(nameList('--workload', WORKLOADS))
        .default(D.workloads, D.workloads.join(',')),
    )
    .option('--keys <n>', 'keys preloaded into each fresh database', wholeNumber('--keys', 1, 10_000_000), D.keys)
    .option('--value-size <bytes>', 'bytes per value (preload and writes)', wholeNumber('--value-size', 0, 524_288), D.valueSize)
    .option('--pipelining <n>', 'requests in flight per connection', wholeNumber('--pipelining', 1, 64), D.pipelining)
    .option(
      '--rate <req/s>',
      'open loop: offer this many requests per second in total, latency measured from the intended send time (coordinated-omission corrected)',
      rate('--rate', { whole: false }),
    )
    .addOption(
      new Option(
        '--driver <name>',
        'closed-loop load driver: net (node:net, lean), autocannon, or wrk (cross-check: no per-request status check)',
      )
        .choices(CLOSED_LOOP_DRIVERS)
        .default(DEFAULT_DRIVER),
    )
    .addOption(
      new Option('--pin', 'pin the load driver and the servers to different CPUs with taskset').default(
        D.pin,
        'on with 2+ CPUs and taskset',
      ),
    )
    .option('--no-pin', 'do not pin; driver and servers share all CPUs')
    .option(
      '--no-prewarm',
      "start the sync server without its warm start: the cold model, each thread's V8 isolate compiles on its own share of the load (with --steady-cap 0 its rounds measure that)",
    )
    .option('--no-driver-ceiling', 'skip measuring the driver alone against the floor server (one short slot every other round)')
    .addOption(
      new Option(
        '--steady-cap <duration>',
        'warm each server until its CPU per request is steady (1 s slices, three within 10%), at most this long; 0 for no warm-up',
      )
        .argParser(duration('--steady-cap', { allowZero: true, minMs: 100 }))
        .default(D.steady!.maxMs, formatDuration(D.steady!.maxMs)),
    )
    .option(
      '--target <NAME=URL>',
      'measure a server already running at http://HOST:PORT instead of local ones (repeatable; writes to it, see below)',
      collectTarget,
    )
    .option(
      '--keep-servers',
      'one server process per server and concurrency, kept up across rounds (warmed once), instead of a fresh one per measurement',
      false,
    )
    .option('--out <dir>', 'folder for the reports', 'reports')
    .option('--json', 'print report.json to stdout instead of the table; no progress lines', false)
    .addOption(new Option('--label <name>', 'added to the report folder name and the report').argParser(label))
    .addHelpText('after', HELP_AFTER + KNEE_HELP);
  kneeOptions(compare);
  compare.action(async (o, command: Command) => {
    const targets = o.target as RemoteTarget[] | undefined;
    if (targets) {
      // A run is either all local or all remote (the lifecycle is chosen once per run).
      const clash = command.getOptionValueSource('servers') === 'cli' ? '--servers' : o.keepServers ? '--keep-servers' : null;
      if (clash) {
        process.stderr.write(`error: --target measures remote servers only; drop ${clash} (a run is either all local or all remote).\n`);
        process.exit(EXIT_USAGE);
      }
    }
    const settings: CompareSettings = {
      servers: targets ? targets.map((t) => t.name) : (o.servers as ServerName[]),
      workloads: o.workload as WorkloadName[],
      concurrency: o.concurrency as number[],
      durationMs: o.duration,
      warmupMs: o.warmup,
      rounds: o.rounds,
      keys: o.keys,
      valueSize: o.valueSize,
      pipelining: o.pipelining,
      ...(o.rate !== undefined ? { rate: o.rate } : {}),
      ...(o.prewarm === false ? { syncPrewarm: false } : {}),
      // A remote server is not ours to pin, and this machine is then the load machine: no pinning.
      pin: targets ? false : o.pin,
      driver: o.driver as ClosedLoopDriverName,
      ...(o.label ? { label: o.label } : {}),
      command: process.argv.slice(2).join(' '),
      // The ceiling needs a local floor server next to the driver: not in an all-remote run.
      measureDriverCeiling: targets ? false : o.driverCeiling,
      ...(targets ? { targets } : {}),
      lifecycle: o.keepServers ? 'kept' : 'fresh',
      steady: { ...D.steady!, maxMs: o.steadyCap },
    };
    const problem = crossCheck(settings) ?? (o.knee ? kneeCrossCheck(o) : null);
    if (problem) {
      process.stderr.write(`error: ${problem}\n`);
      process.exit(EXIT_USAGE);
    }
    const tty = !o.json && process.stderr.isTTY === true;
    settings.progressTicks = tty;
    const progress = o.json ? () => {} : tty ? ttyProgress() : (line: string) => process.stderr.write(line);
    let report;
    try {
      report = o.knee
        ? await runKnee(settings, kneeSettingsFrom(o, command.getOptionValueSource('rounds') === 'default'), progress)
        : await runComparison(settings, progress);
    } catch (err) {
      if (tty) process.stderr.write('\n');
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    if (tty) process.stderr.write('\r\x1b[K');
    const saved = await saveReport(report, o.out);
    if (o.json) process.stdout.write(reportJson(report));
    else {
      process.stdout.write(renderTerminal(report));
      process.stdout.write(`\nreport: ${saved.dir}${saved.latest ? ` (also ${saved.latest})` : ''}\n`);
    }
    process.exitCode = report.preflight.some((p) => !p.ok) ? 1 : 0;
  });
}

/** Checks between flags that commander cannot see one flag at a time. */
export function crossCheck(s: CompareSettings): string | null {
  const driver = driverProblem(s.driver ?? DEFAULT_DRIVER, s.workloads, s.rate !== undefined);
  if (driver) return driver;
  if (s.rate !== undefined) {
    const perConnection = s.rate / Math.max(...s.concurrency);
    if (perConnection < 0.5)
      return `--rate ${s.rate} spread over ${Math.max(...s.concurrency)} connections is under one request per connection every 2 s; raise --rate or lower --concurrency.`;
  }
  if (s.syncPrewarm === false) {
    if (s.targets && s.targets.length > 0)
      return "--no-prewarm starts the lab's sync server cold; a --target is already running and is not started by the lab. Drop --no-prewarm.";
    if (!s.servers.includes('sync'))
      return '--no-prewarm is about the sync server, which is not in --servers; add sync or drop --no-prewarm.';
  }
  if (s.warmupMs + s.durationMs > 3_600_000) return '--warmup plus --duration must stay under an hour per measurement.';
  const measurements = s.servers.length * s.workloads.length * s.concurrency.length * s.rounds;
  if (measurements > 2000) return `that is ${measurements} measurements; cut --rounds, --concurrency or --workload (at most 2000).`;
  return null;
}

/** One status line redrawn in place on a terminal. */
function ttyProgress(): (line: string) => void {
  return (line: string) => {
    // A terminal may report 0 columns (or none): then assume 100 rather than cut the line short.
    const columns = process.stderr.columns;
    const width = (columns && columns > 1 ? columns : 100) - 1;
    const text = line.replace(/\n$/, '');
    process.stderr.write(`\r${text.length > width ? text.slice(0, width) : text}\x1b[K`);
  };
}
