// One gate run, start to exit code: read the baseline, measure (more if noisy), print the table,
// write the Markdown (and the CI job summary), then either rewrite the baseline or judge.
// The measuring itself is injected (gate/measure.ts runs the real comparison), so this file can be
// driven with synthetic reports too.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BaselineError, MIN_ROUNDS, readBaseline, settingsDifferences, type GateBaseline, type GateMeasureSettings } from './baseline.js';
import type { GateThresholds } from './decision.js';
import { runGateLoop, type Measure } from './loop.js';
import { abBaseline, buildBaseline } from './baseline.js';
import { extractAbMetrics } from './metrics.js';
import { describeMachine } from '../system/machine.js';
import { cpuMicrosPerRequest } from '../analysis/stats.js';
import type { ServerName } from '../schema/report-schema.js';
import { renderGateMarkdown, renderGateTable, type GateSummary } from './report.js';

/** The gate's exit codes are every command's (harness/exit-codes.ts): 1 is a regression, or a run
 *  that could not measure at all (a gate that cannot see must not pass). */
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../exit-codes.js';
import { must } from '../must.js';
export const EXIT_PASS = EXIT_OK;
export const EXIT_FAIL = EXIT_FAILURE;
export { EXIT_USAGE };

export interface GateRunOptions {
  baselineFile: string;
  updateBaseline: boolean;
  /** Where the Markdown table goes (besides $GITHUB_STEP_SUMMARY); null for nowhere. */
  markdownFile: string | null;
  /** Where to write the rows and every metric's per-round values as JSON; null for nowhere. */
  jsonFile?: string | null;
  thresholds: GateThresholds;
  settings: GateMeasureSettings;
  rounds: number;
  maxRounds: number;
  extraRounds: number;
  /** No extension starts that would end past this (ms since the gate started). */
  budgetMs?: number;
  /** A/B gate: this checkout against the build of this git ref, measured in the same run; no
   *  baseline file is read or written (the CLI has read the blessed commit from it already). */
  against?: { ref: string; commit: string; servers: ServerName[]; notes: string[] };
  /** With updateBaseline: the commit being blessed (HEAD, checked clean by the CLI). */
  blessCommit?: string;
}

export interface GateRunIo {
  measure: Measure;
  /** Called once the measuring is over (stops servers kept up between measure steps). */
  closeMeasure?: () => Promise<void>;
  out: (text: string) => void;
  err: (text: string) => void;
  env: NodeJS.ProcessEnv;
  now: () => number;
}

export async function runGate(o: GateRunOptions, io: GateRunIo): Promise<number> {
  const started = io.now();
  if (o.rounds < MIN_ROUNDS) {
    io.err(
      `error: --rounds ${o.rounds} is too few: the gate needs at least ${MIN_ROUNDS} rounds, since its noise band is the spread of the rounds (with fewer, nothing could fail).\n`,
    );
    return EXIT_USAGE;
  }
  if (o.updateBaseline && !o.blessCommit) {
    io.err('error: --update-baseline needs the commit to bless (the CLI passes HEAD).\n');
    return EXIT_USAGE;
  }
  let baseline: GateBaseline | null = null;
  if (o.against) {
    baseline = abBaseline(o.settings, o.against.servers, describeMachine(), new Date(io.now()).toISOString());
  } else if (!o.updateBaseline) {
    try {
      baseline = await readBaseline(o.baselineFile);
    } catch (err) {
      if (err instanceof BaselineError) {
        io.err(`error: ${err.message}\n`);
        return EXIT_USAGE;
      }
      throw err;
    }
    const drift = settingsDifferences(baseline.settings, o.settings);
    if (drift.length > 0) {
      io.err(
        `error: this run's settings differ from the baseline's: ${drift.join(', ')}; drop those options, or record a baseline with them (--update-baseline).\n`,
      );
      return EXIT_USAGE;
    }
  }

  let outcome;
  try {
    outcome = await runGateLoop({
      baseline,
      thresholds: o.thresholds,
      workloads: o.settings.workloads,
      rounds: o.rounds,
      maxRounds: o.maxRounds,
      extraRounds: o.extraRounds,
      measure: retryOnce(io),
      ...(o.against ? { extract: extractAbMetrics } : {}),
      budgetMs: o.budgetMs === undefined ? undefined : o.budgetMs - (io.now() - started),
      now: io.now,
      onExtend: (request, undecided) =>
        io.err(
          `gate: too noisy to tell a ${Math.round(o.thresholds.resolution * 100)}% drop in ${[...new Set(undecided.map((r) => r.id))].join('; ')}; measuring ${request.rounds} more round(s) of ${request.workloads.join(', ')}\n`,
        ),
    });
  } catch (err) {
    io.err(`error: the gate could not measure: ${(err as Error).message}\n`);
    await io.closeMeasure?.().catch(() => {});
    return EXIT_FAIL;
  }
  try {
    await io.closeMeasure?.();
  } catch (err) {
    // Every server must stop cleanly (exit 0 on SIGTERM); one that does not is a regression too.
    io.err(`error: a server did not stop cleanly after the gate's measuring: ${(err as Error).message}\n`);
    return EXIT_FAIL;
  }

  const firstReport = must(outcome.reports[0], "the gate run's first report");
  const summary: GateSummary = {
    outcome,
    baseline,
    machine: firstReport.setup.machine,
    thresholds: o.thresholds,
    elapsedMs: io.now() - started,
    ...(o.against ? { against: { ...o.against, processes: o.settings.processes ?? 'kept' } } : {}),
  };
  if (o.updateBaseline) {
    if (outcome.failed) {
      io.out(renderGateTable(summary));
      io.err(`error: not blessing a build that fails its own checks: ${outcome.failures.join(' ')}\n`);
      return EXIT_FAIL;
    }
    const fresh = {
      ...buildBaseline(outcome, o.settings, new Date(io.now()).toISOString()),
      ...(o.blessCommit ? { commit: o.blessCommit } : {}),
      rounds: o.rounds,
    };
    await mkdir(dirname(o.baselineFile), { recursive: true });
    await writeFile(o.baselineFile, `${JSON.stringify(fresh, null, 2)}\n`);
    summary.baselineWritten = o.baselineFile;
  }

  io.out(renderGateTable(summary));
  const markdown = renderGateMarkdown(summary);
  if (o.markdownFile) {
    await mkdir(dirname(o.markdownFile), { recursive: true });
    await writeFile(o.markdownFile, markdown);
  }
  if (o.jsonFile) {
    await mkdir(dirname(o.jsonFile), { recursive: true });
    const { rows, metrics, extensions, warnings, failed } = outcome;
    // The raw rounds behind the ratios, in the order they ran: what to look at when a band is wide
    // (was it the floor, the server, or the driver that moved?).
    const rounds = outcome.reports
      .flatMap((r) =>
        r.cells.flatMap((c) =>
          c.rounds.map((x) => ({
            server: c.server,
            ...(o.against ? { build: c.build ?? 'this' } : {}),
            workload: c.workload,
            concurrency: c.concurrency,
            round: x.round,
            startedAt: x.startedAt,
            throughput: x.throughput,
            serverCpuPct: x.serverCpuPct,
            cpuPerRequestUs: cpuMicrosPerRequest(x.serverCpuPct, x.durationMs, Math.max(1, x.requests)),
            driverCpuPct: x.driverCpuPct,
            p99Us: x.latency.p99Us,
          })),
        ),
      )
      .sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    const warmServers = firstReport.setup.warmServers;
    await writeFile(
      o.jsonFile,
      `${JSON.stringify({ failed, elapsedMs: summary.elapsedMs, machine: summary.machine, rows, metrics, extensions, warnings, ...(warmServers ? { warmServers } : {}), rounds }, null, 2)}\n`,
    );
  }
  // GitHub Actions shows whatever is appended to this file on the job's summary page.
  const stepSummary = io.env.GITHUB_STEP_SUMMARY;
  if (stepSummary) await appendFile(stepSummary, `${markdown}\n`);

  if (o.updateBaseline) return EXIT_PASS;
  return outcome.failed ? EXIT_FAIL : EXIT_PASS;
}

/** A measurement that failed outright (a server that did not start or stop in time) is tried once
 *  more: on an overloaded shared runner that is usually the machine, not the code, and a gate that
 *  cries wolf gets switched off. A second failure in a row is reported (exit 1). */
function retryOnce(io: GateRunIo): Measure {
  return async (request) => {
    try {
      return await io.measure(request);
    } catch (err) {
      io.err(`gate: measuring failed (${(err as Error).message.split('\n')[0]}); trying once more\n`);
      return io.measure(request);
    }
  };
}
