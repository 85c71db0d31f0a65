// `mkvss-lab gate`: the CI performance regression gate (docs/GATE.md). Parses flags, hands the
// run to gate-run.ts and exits 0 (pass), 1 (regression, or nothing could be measured) or
// 2 (usage error, e.g. no usable baseline).
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseDurationMs } from '../cli/serve-command.js';
import type { WorkloadName } from './report-schema.js';
import { DEFAULT_THRESHOLDS } from './gate.js';
import { EXIT_USAGE, runGate } from './gate-run.js';
import { compareMeasure, type FaultDelays } from './gate-measure.js';

const WORKLOADS: readonly WorkloadName[] = ['get', 'put', 'mixed', 'crud'];
const FAULT_KINDS = ['sync', 'async', 'reference', 'floor'] as const;

/** Defaults sized for a ~60-90 s gate on a 2-core runner: 3 servers x 2 workloads x 3 rounds of
 *  2 s (+0.5 s warm-up, +~1.5 s to start and stop a fresh server), extended by 2 rounds of the
 *  noisy workloads (from 5 rounds the band sets the extremes aside) when the run is too noisy to
 *  tell a 25% drop, while the time budget allows; 6 rounds at most. */
export const GATE_DEFAULTS = {
  baseline: 'reports/baseline.json',
  markdown: 'reports/gate.md',
  workloads: ['get', 'mixed'] as WorkloadName[],
  concurrency: 32,
  durationMs: 2000,
  warmupMs: 500,
  rounds: 3,
  maxRounds: 6,
  extraRounds: 2,
  /** CI wants the gate under 2 minutes: no extension starts that would end past this. */
  budgetMs: 110_000,
};

function fraction(name: string, max = 1) {
  return (raw: string): number => {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(raw.trim());
    const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
    if (!(n > 0 && n < max)) throw new InvalidArgumentError(`${name} must be a fraction between 0 and ${max} (e.g. 0.15 or 15%), got "${raw}".`);
    return n;
  };
}

function wholeNumber(name: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
    return n;
  };
}

function workloadList(raw: string): WorkloadName[] {
  const list = raw.split(',').map((w) => w.trim()).filter(Boolean);
  const bad = list.filter((w) => !WORKLOADS.includes(w as WorkloadName));
  if (list.length === 0 || bad.length > 0) throw new InvalidArgumentError(`workloads are a comma-separated list of ${WORKLOADS.join(', ')}; got "${raw}".`);
  return [...new Set(list)] as WorkloadName[];
}

/** `--fault async=300`: repeatable; collects per-server-kind busy-wait delays. */
function faultEntry(raw: string, previous: FaultDelays): FaultDelays {
  const m = /^([a-z]+)=(\d+)$/.exec(raw.trim());
  if (!m || !(FAULT_KINDS as readonly string[]).includes(m[1]!)) {
    throw new InvalidArgumentError(`--fault takes <server>=<microseconds>, server one of ${FAULT_KINDS.join(', ')}; got "${raw}".`);
  }
  return { ...previous, [m[1]!]: Number(m[2]) };
}

export function registerGateCommand(program: Command): void {
  const d = GATE_DEFAULTS;
  program
    .command('gate')
    .description('CI performance gate: measure sync, async and the floor briefly, compare the floor-normalised figures with the committed baseline; exit 1 on a regression.')
    .option('--baseline <file>', 'baseline to compare with (or to write, with --update-baseline)', d.baseline)
    .option('--tolerance <fraction>', 'worsening tolerated regardless of noise (0.15 or 15%)', fraction('--tolerance'), DEFAULT_THRESHOLDS.tolerance)
    .option('--latency-tolerance <fraction>', 'p99 worsening tolerated regardless of noise (tails are noisier)', fraction('--latency-tolerance', 10), DEFAULT_THRESHOLDS.latencyTolerance)
    .option('--fail-on-p99', 'let p99 regressions fail the gate (by default they are shown as advisory: tails are the noisiest figure on a shared runner)', false)
    .option('--update-baseline', 'measure and rewrite the baseline from this run (records this machine) instead of judging', false)
    .option('--markdown <file>', 'also write the table as Markdown here (and append it to $GITHUB_STEP_SUMMARY when set)', d.markdown)
    .option('--json <file>', 'also write the rows and every per-round value as JSON')
    .addOption(new Option('--resolution <fraction>', 'smallest throughput drop the gate must be able to see; a noisier run gets more rounds').argParser(fraction('--resolution')).default(DEFAULT_THRESHOLDS.resolution))
    .option('--workloads <list>', `workloads to measure (${WORKLOADS.join(', ')})`, workloadList, d.workloads)
    .option('--concurrency <n>', 'connections per measurement', wholeNumber('--concurrency', 1, 10_000), d.concurrency)
    .option('--duration <duration>', 'length of one measurement (one server, one workload, one round)', parseDurationMs, d.durationMs)
    .option('--warmup <duration>', 'unmeasured load before each measurement', parseDurationMs, d.warmupMs)
    .option('--rounds <n>', 'interleaved rounds measured first', wholeNumber('--rounds', 1, 100), d.rounds)
    .option('--max-rounds <n>', 'cap on rounds when the run is noisy', wholeNumber('--max-rounds', 1, 100), d.maxRounds)
    .addOption(new Option('--extra-rounds <n>', 'rounds added per noisy step').argParser(wholeNumber('--extra-rounds', 1, 100)).default(d.extraRounds))
    .option('--budget <duration>', 'time budget: no extra rounds start that would end past it', parseDurationMs, d.budgetMs)
    .addOption(
      new Option('--fault <server=us>', 'TEST ONLY: make one server kind busy-wait this many µs per request (MKVSS_FAULT_DELAY_US), to prove the gate catches a slowdown; repeatable')
        .argParser(faultEntry)
        .default({}),
    )
    .action(async (o) => {
      if (o.maxRounds < o.rounds) {
        process.stderr.write(`error: --max-rounds (${o.maxRounds}) must be at least --rounds (${o.rounds}).\n`);
        process.exit(EXIT_USAGE);
      }
      const settings = { workloads: o.workloads, concurrency: o.concurrency, durationMs: o.duration, warmupMs: o.warmup };
      const code = await runGate(
        {
          baselineFile: o.baseline,
          updateBaseline: o.updateBaseline,
          markdownFile: o.markdown,
          jsonFile: o.json ?? null,
          thresholds: { tolerance: o.tolerance, latencyTolerance: o.latencyTolerance, p99Fails: o.failOnP99, resolution: o.resolution },
          settings,
          rounds: o.rounds,
          maxRounds: o.maxRounds,
          extraRounds: o.extraRounds,
          budgetMs: o.budget,
        },
        {
          measure: compareMeasure(settings, o.fault as FaultDelays, (line) => process.stderr.write(line)),
          out: (text) => process.stdout.write(text),
          err: (text) => process.stderr.write(text),
          env: process.env,
          now: () => Date.now(),
        },
      );
      process.exitCode = code;
    });
}
