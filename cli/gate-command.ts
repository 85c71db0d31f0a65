// `mkvss-lab gate`: the CI performance regression gate (docs/GATE.md). Reads the blessed commit
// from the baseline file, builds that commit's servers beside this checkout's, hands the A/B run
// to harness/gate/run.ts and exits 0 (pass), 1 (regression, or the gate could not see) or 2 (usage
// error, e.g. no usable baseline, other settings than the baseline's, a blessed commit not here).
import { type Command, InvalidArgumentError, Option } from 'commander';
import { duration, formatDuration, fraction, nameList, percent, wholeNumber } from './flags.js';
import { EXIT_USAGE } from '../harness/exit-codes.js';
import type { WorkloadName } from '../harness/schema/report-schema.js';
import { WORKLOADS } from '../harness/load/workloads.js';
import { SERVER_KINDS } from '../servers/server-kinds.js';
import { DEFAULT_THRESHOLDS } from '../harness/gate/decision.js';
import { runGate } from '../harness/gate/run.js';
import { AB_SERVERS, abMeasure, compareMeasure, type FaultDelays } from '../harness/gate/measure.js';
import { BaseBuildError, blessableHead, buildBase, requireCommitPresent, type BaseBuild } from '../harness/gate/base-build.js';
import {
  BaselineError,
  GATE_PROCESSES,
  readBaseline,
  settingsDifferences,
  type GateBaseline,
  type GateProcesses,
} from '../harness/gate/baseline.js';
import { FAULT_DELAY_ENV, FAULT_SLEEP_ENV, FAULT_SLEEP_EVERY_ENV } from '../servers/kv/fault.js';

const FAULT_KINDS = SERVER_KINDS;

/** Defaults sized for an A/B gate of at most 6 minutes on a 2-core runner. Every round starts a
 *  fresh process of each server in both builds (`processes: 'per-round'`), warms the two side by
 *  side for 2 x 5 s (each gets about half the server's core: ~5 s of load apiece), then measures
 *  them alternately: 2 workloads and the waiting probe, 1 s each (+0.25 s for connections to ramp
 *  up, +~0.4 s to start the load driver). Five rounds are five process pairs: two processes of the
 *  same code differ by 10-30% here for their whole life (docs/GATE.md), so the rounds must sample
 *  processes for their spread to cover that. About 58 s a round (5 in ~290 s here); the whole command ~5 minutes
 *  (docs/GATE.md has the runs), so there is no room for more rounds (maxRounds = rounds).
 *  8 connections: the sync server runs a thread (a V8 isolate with its own JIT) per connection,
 *  and measured here 8 threads settled after 8 to over 15 s of load while 32 were still swinging ±35%
 *  after 20 s. */
export const GATE_DEFAULTS = {
  baseline: 'reports/baseline.json',
  markdown: 'reports/gate.md',
  workloads: ['get', 'mixed'] as WorkloadName[],
  concurrency: 8,
  durationMs: 1000,
  warmupMs: 250,
  /** Each server's warm-up when it starts: A/B, this much load for each server of both builds
   *  (per round, the pair side by side for twice as long); otherwise a cap on the warm-up until
   *  steady (sync needed 8 to over 15 s of load here). */
  settleMs: 5_000,
  rounds: 5,
  maxRounds: 5,
  extraRounds: 2,
  /** Without a base build (--update-baseline, --against-figures): no extension starts that would
   *  end past this. */
  budgetMs: 110_000,
  /** A/B (the default gate): CI gives the gate 6 minutes. With --max-rounds above --rounds, an
   *  extension (~58 s a round here, fresh processes included) starts only if it ends within this. */
  abBudgetMs: 320_000,
  /** The waiting probe: a fixed open-loop rate well below both servers' limits here (sync ~8-10k,
   *  async ~15-20k req/s at 8 connections on 2 cores), on the workload that reads and writes. */
  probeRate: 2000,
  probeWorkload: 'mixed' as WorkloadName,
  processes: 'per-round' as GateProcesses,
};

/** `--fault async=300`: repeatable; per-server-kind busy-wait per request (MKVSS_FAULT_DELAY_US). */
function faultEntry(raw: string, previous: FaultDelays): FaultDelays {
  const m = /^([a-z]+)=(\d+)$/.exec(raw.trim());
  const server = FAULT_KINDS.find((kind) => kind === m?.[1]);
  const micros = m?.[2];
  if (server === undefined || micros === undefined) {
    throw new InvalidArgumentError(`--fault takes <server>=<microseconds>, server one of ${FAULT_KINDS.join(', ')}; got "${raw}".`);
  }
  return { ...previous, [server]: { ...previous[server], [FAULT_DELAY_ENV]: micros } };
}

/** `--fault-sleep async=1000/100`: repeatable; per-server-kind sleep-like wait of N µs on one
 *  request in K (MKVSS_FAULT_SLEEP_US, MKVSS_FAULT_SLEEP_EVERY). */
function faultSleepEntry(raw: string, previous: FaultDelays): FaultDelays {
  const m = /^([a-z]+)=(\d+)(?:\/(\d+))?$/.exec(raw.trim());
  const server = FAULT_KINDS.find((kind) => kind === m?.[1]);
  const micros = m?.[2];
  const every = m?.[3] ?? '1';
  if (server === undefined || micros === undefined || every === '0') {
    throw new InvalidArgumentError(
      `--fault-sleep takes <server>=<microseconds>[/<one in K requests>], server one of ${FAULT_KINDS.join(', ')}; got "${raw}".`,
    );
  }
  return { ...previous, [server]: { ...previous[server], [FAULT_SLEEP_ENV]: micros, [FAULT_SLEEP_EVERY_ENV]: every } };
}

/** A one-line error and exit 2. */
function usage(message: string): never {
  process.stderr.write(`error: ${message}\n`);
  process.exit(EXIT_USAGE);
}

export function registerGateCommand(program: Command): void {
  const d = GATE_DEFAULTS;
  program
    .command('gate')
    .description(
      "CI performance gate: build the blessed commit named in the baseline file, measure its servers and this checkout's back to back in the same run, and exit 1 on a regression (or when the gate could not see).",
    )
    .option('--baseline <file>', 'the baseline: names the blessed commit and the settings (written by --update-baseline)', d.baseline)
    .addOption(
      new Option('--tolerance <fraction>', 'worsening tolerated regardless of noise (0.15 or 15%)')
        .argParser(fraction('--tolerance'))
        .default(DEFAULT_THRESHOLDS.tolerance, percent(DEFAULT_THRESHOLDS.tolerance)),
    )
    .addOption(
      new Option('--latency-tolerance <fraction>', 'p99 worsening tolerated regardless of noise (tails are noisier)')
        .argParser(fraction('--latency-tolerance', 10))
        .default(DEFAULT_THRESHOLDS.latencyTolerance, percent(DEFAULT_THRESHOLDS.latencyTolerance)),
    )
    .option(
      '--fail-on-p99',
      'let p99 regressions fail the gate (by default they are shown as advisory: tails are the noisiest figure on a shared runner)',
      false,
    )
    .option(
      '--against <git-ref>',
      'A/B against this git ref (e.g. origin/main) instead of the blessed commit; the baseline file is not read',
    )
    .option(
      '--against-figures',
      'judge by the floor-normalised figures in the baseline file instead of building the blessed commit (across runs this VM drifts by up to 40%: see docs/GATE.md)',
      false,
    )
    .option(
      '--update-baseline',
      "bless the current commit (HEAD; servers/ must be clean): write it, the settings and this run's floor-normalised figures (for display) to the baseline file",
      false,
    )
    .addOption(
      new Option('--wait-tolerance <fraction>', 'A/B: worsening of p99 at the fixed probe rate tolerated regardless of noise')
        .argParser(fraction('--wait-tolerance', 10))
        .default(DEFAULT_THRESHOLDS.waitTolerance, percent(DEFAULT_THRESHOLDS.waitTolerance)),
    )
    .option(
      '--probe-rate <req/s>',
      'A/B: open-loop rate of the waiting probe (0: none)',
      wholeNumber('--probe-rate', 0, 1_000_000),
      d.probeRate,
    )
    .option('--markdown <file>', 'also write the table as Markdown here (and append it to $GITHUB_STEP_SUMMARY when set)', d.markdown)
    .option('--json <file>', 'also write the rows and every per-round value as JSON')
    .addOption(
      new Option(
        '--rule <rule>',
        'A/B: how a row is judged: paired-t (worse than the tolerance, its paired 95% t-interval below 1; honest when every round is a fresh process pair) or range (worse than the tolerance and than the spread of its rounds; passes the gap between two kept processes, and misses a 25% regression: docs/GATE.md)',
      )
        .choices(['range', 'paired-t'])
        .default(undefined, `${DEFAULT_THRESHOLDS.rule} (per-round processes), range (kept)`),
    )
    .addOption(
      new Option('--resolution <fraction>', 'smallest throughput drop the gate must be able to see; a noisier run gets more rounds')
        .argParser(fraction('--resolution'))
        .default(DEFAULT_THRESHOLDS.resolution, percent(DEFAULT_THRESHOLDS.resolution)),
    )
    .addOption(
      new Option('--workloads <list>', `workloads to measure (${WORKLOADS.join(', ')})`)
        .argParser(nameList('--workloads', WORKLOADS))
        .default(d.workloads, d.workloads.join(',')),
    )
    .option('--concurrency <n>', 'connections per measurement', wholeNumber('--concurrency', 1, 10_000), d.concurrency)
    .addOption(
      new Option('--duration <duration>', 'length of one measurement (one server, one workload, one round)')
        .argParser(duration('--duration'))
        .default(d.durationMs, formatDuration(d.durationMs)),
    )
    .addOption(
      new Option(
        '--warmup <duration>',
        'unmeasured load just before each measured window (the servers are also warmed up once, until steady, when they start)',
      )
        .argParser(duration('--warmup'))
        .default(d.warmupMs, formatDuration(d.warmupMs)),
    )
    .addOption(
      new Option(
        '--settle <duration>',
        "each server's warm-up when it starts: A/B, a fixed load of this length for every server of both builds (so neither JIT got further); otherwise a cap on loading it in 1 s slices until its CPU per request is steady (0: no warm-up)",
      )
        .argParser(duration('--settle', { allowZero: true }))
        .default(d.settleMs, formatDuration(d.settleMs)),
    )
    .addOption(
      new Option(
        '--processes <mode>',
        'A/B: per-round (a fresh server process per build and server in every round, so the rounds sample how much two processes of the same code differ) or kept (one per build and server for the whole run: cheaper, but it judges two processes, not two builds: docs/GATE.md)',
      )
        .choices([...GATE_PROCESSES])
        .default(d.processes),
    )
    .option('--rounds <n>', 'interleaved rounds measured first', wholeNumber('--rounds', 1, 100), d.rounds)
    .option('--max-rounds <n>', 'cap on rounds when the run is noisy', wholeNumber('--max-rounds', 1, 100), d.maxRounds)
    .addOption(
      new Option('--extra-rounds <n>', 'rounds added per noisy step')
        .argParser(wholeNumber('--extra-rounds', 1, 100))
        .default(d.extraRounds),
    )
    .addOption(
      new Option('--budget <duration>', 'time budget: no extra rounds start that would end past it')
        .argParser(duration('--budget'))
        .default(undefined, `${formatDuration(d.abBudgetMs)} (A/B), ${formatDuration(d.budgetMs)} (otherwise)`),
    )
    .addOption(
      new Option(
        '--fault <server=us>',
        'TEST ONLY: make one server kind busy-wait this many µs per request (MKVSS_FAULT_DELAY_US), to prove the gate catches a slowdown; repeatable',
      )
        .argParser(faultEntry)
        .default({}, 'none'),
    )
    .addOption(
      new Option(
        '--fault-sleep <server=us/K>',
        'TEST ONLY: make one server kind wait (without CPU) this many µs on one request in K (MKVSS_FAULT_SLEEP_US/_EVERY), to prove the gate catches a waiting regression; repeatable',
      )
        .argParser(faultSleepEntry)
        .default({}, 'none'),
    )
    .action(async (o) => {
      if (o.maxRounds < o.rounds) {
        process.stderr.write(`error: --max-rounds (${o.maxRounds}) must be at least --rounds (${o.rounds}).\n`);
        process.exit(EXIT_USAGE);
      }
      const settings = {
        workloads: o.workloads,
        concurrency: o.concurrency,
        durationMs: o.duration,
        warmupMs: o.warmup,
        settleMs: o.settle,
        probeRate: o.probeRate,
        probeWorkload: d.probeWorkload,
        processes: o.processes as GateProcesses,
      };
      const modes = [
        o.against !== undefined && '--against',
        o.updateBaseline && '--update-baseline',
        o.againstFigures && '--against-figures',
      ].filter(Boolean);
      if (modes.length > 1)
        usage(`${modes.join(' and ')} are different modes (another ref, blessing HEAD, the recorded figures); use one.`);
      const faults: FaultDelays = { ...o.fault };
      for (const [server, env] of Object.entries(o.faultSleep as FaultDelays))
        faults[server as keyof FaultDelays] = { ...faults[server as keyof FaultDelays], ...env };
      const progress = (line: string) => process.stderr.write(line);
      const cwd = process.cwd();
      let blessCommit: string | undefined;
      let againstRef: string | undefined = o.against;
      try {
        if (o.updateBaseline) blessCommit = blessableHead(cwd);
        else if (againstRef === undefined && !o.againstFigures) {
          // The default gate: the blessed commit, with the baseline's settings.
          let baseline: GateBaseline;
          try {
            baseline = await readBaseline(o.baseline);
          } catch (err) {
            if (err instanceof BaselineError) usage(err.message);
            throw err;
          }
          const drift = settingsDifferences(baseline.settings, settings);
          if (drift.length > 0)
            usage(
              `this run's settings differ from the baseline's (${o.baseline}): ${drift.join(', ')}; drop those options, or bless a baseline with them (--update-baseline).`,
            );
          requireCommitPresent(baseline.commit!, cwd, o.baseline);
          againstRef = baseline.commit!;
        }
      } catch (err) {
        if (err instanceof BaseBuildError) usage(err.message);
        throw err;
      }
      let base: BaseBuild | undefined;
      if (againstRef !== undefined) {
        try {
          base = buildBase(againstRef, cwd, progress);
        } catch (err) {
          if (err instanceof BaseBuildError) usage(err.message);
          throw err;
        }
      }
      const measurer = base ? abMeasure(settings, faults, base.cli, progress) : compareMeasure(settings, faults, progress);
      // A CI timeout sends SIGTERM to the gate alone: take the servers it keeps up, and the base
      // worktree, down with it.
      const onSignal = () => {
        measurer.kill();
        base?.remove();
        process.exit(130);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const code = await runGate(
        {
          baselineFile: o.baseline,
          updateBaseline: o.updateBaseline,
          markdownFile: o.markdown,
          jsonFile: o.json ?? null,
          thresholds: {
            tolerance: o.tolerance,
            latencyTolerance: o.latencyTolerance,
            p99Fails: o.failOnP99,
            resolution: o.resolution,
            waitTolerance: o.waitTolerance,
            // The t-interval is honest only over rounds that sample processes (decision.ts).
            rule: o.rule ?? (settings.processes === 'kept' ? 'range' : DEFAULT_THRESHOLDS.rule),
          },
          settings,
          rounds: o.rounds,
          maxRounds: o.maxRounds,
          extraRounds: o.extraRounds,
          budgetMs: o.budget ?? (base ? d.abBudgetMs : d.budgetMs),
          ...(blessCommit ? { blessCommit } : {}),
          ...(base
            ? {
                against: {
                  ref: o.against ?? `the blessed commit (${o.baseline})`,
                  commit: base.commit,
                  servers: AB_SERVERS,
                  notes: base.notes,
                },
              }
            : {}),
        },
        {
          measure: measurer.measure,
          closeMeasure: measurer.close,
          out: (text) => process.stdout.write(text),
          err: (text) => process.stderr.write(text),
          env: process.env,
          now: () => Date.now(),
        },
      );
      base?.remove();
      process.exitCode = code;
    });
}
