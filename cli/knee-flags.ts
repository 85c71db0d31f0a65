// The flags of `compare --knee` (harness/run/knee.ts): the search's bound, step and start, kept
// apart from compare-command.ts so the two evolve separately.
import { type Command, Option } from 'commander';
import { duration, formatDuration, rate } from './flags.js';
import { DEFAULT_KNEE_SETTINGS as K, type KneeSettings } from '../harness/run/knee.js';

export function kneeOptions(command: Command): void {
  command
    .option(
      '--knee',
      "find each server's knee under open-loop load (highest rate it sustains), then measure all at 50/75/90% of their own knee and of the smallest knee",
      false,
    )
    .addOption(
      new Option('--knee-p99 <duration>', 'a step whose p99 (from the intended send time) passes this does not keep up')
        .argParser(duration('--knee-p99', { minMs: 1 }))
        .default(K.rule.p99BoundUs / 1000, formatDuration(K.rule.p99BoundUs / 1000)),
    )
    .addOption(
      new Option('--knee-step <duration>', 'measured window of each knee step and table measurement')
        .argParser(duration('--knee-step', { minMs: 200, maxMs: 60_000 }))
        .default(K.stepMs, formatDuration(K.stepMs)),
    )
    .addOption(
      new Option('--knee-start <req/s>', 'first offered rate of the search; each next step offers x1.5')
        .argParser(rate('--knee-start', { whole: true }))
        .default(K.rule.startRate),
    )
    .addOption(
      new Option('--knee-max <req/s>', 'stop growing past this rate (the knee is then "at least")')
        .argParser(rate('--knee-max', { whole: true }))
        .default(K.rule.maxRate),
    );
}

/** Checks between --knee and the other flags (exit 2 with the fix, like crossCheck). */
export function kneeCrossCheck(o: {
  rate?: number;
  concurrency: number[];
  workload: string[];
  servers: string[];
  kneeStart: number;
  kneeMax: number;
}): string | null {
  if (o.rate !== undefined) return '--knee picks the offered rates itself; drop --rate.';
  if (o.concurrency.length !== 1)
    return `--knee measures at one concurrency (the open loop's connections), got ${o.concurrency.join(',')}; pick one, e.g. -c 50.`;
  if (o.workload.length !== 1) return `--knee measures one workload, got ${o.workload.join(',')}; pick one, e.g. --workload get.`;
  if (o.servers.includes('floor')) return '--knee measures servers with a database; leave floor out of --servers.';
  if (o.kneeMax < o.kneeStart) return `--knee-max (${o.kneeMax}) is below --knee-start (${o.kneeStart}); raise --knee-max.`;
  return null;
}

/** The knee settings from the parsed flags; the tables take --rounds, 3 unless given. */
export function kneeSettingsFrom(
  o: { kneeP99: number; kneeStep: number; kneeStart: number; kneeMax: number; rounds: number },
  roundsDefaulted: boolean,
): KneeSettings {
  return {
    ...K,
    rule: { ...K.rule, p99BoundUs: o.kneeP99 * 1000, startRate: o.kneeStart, maxRate: o.kneeMax },
    stepMs: o.kneeStep,
    rounds: roundsDefaulted ? K.rounds : o.rounds,
  };
}

export const KNEE_HELP = `
The knee (--knee):
  Each server is started once, warmed until steady, then offered an open-loop rate in short steps
  (--knee-step, after a 0.5 s lead-in) from --knee-start, x1.5 per step, until a step does not keep
  up: achieved < 95% of offered, p99 (from the intended send time) over --knee-p99, or any error.
  Three bisections between the last good and the first bad rate find the knee: the highest rate
  it sustains. Then every server is measured at 50/75/90% of its own knee and at 50/75/90% of the
  smallest knee (the same rates for all), servers interleaved, --rounds rounds (3 unless given).
  One workload and one concurrency (the open loop's connections, default 50).
  Example: npm run compare -- --knee
`;
