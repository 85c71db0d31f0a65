// `mkvss-lab diff OLD NEW` (and `npm run diff -- OLD NEW`): two compare runs side by side, with
// NEW vs OLD factors under the same interval rules as compare (unpaired: Welch). OLD and NEW are
// report folders (report.json inside; reports/latest works) or report.json files. Descriptive, not a
// gate: exit 0 whenever both reports are valid; a file that is missing, not JSON or not a valid
// report of this version is one `error:` line naming it and the fix, exit 2.
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseReport, REPORT_VERSION, type Report } from '../harness/schema/report-schema.js';
import { buildDiffModel } from '../harness/report/diff-model.js';
import { renderDiffMarkdown, renderDiffTerminal } from '../harness/report/diff-render.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../harness/exit-codes.js';

/** A report argument that cannot be read as a valid report; the message is the whole error line. */
export class ReportArgumentError extends Error {}

const FIX = 'give a report folder written by `mkvss-lab compare` (such as reports/latest) or its report.json';

/** Reads OLD or NEW: a folder means its report.json; validated with the report schema. */
export async function readReportArgument(arg: string): Promise<{ file: string; report: Report }> {
  let file = resolve(arg);
  let info;
  try {
    info = await stat(file);
  } catch {
    throw new ReportArgumentError(`${arg}: no such file or folder; ${FIX}`);
  }
  if (info.isDirectory()) {
    file = join(file, 'report.json');
    try {
      await stat(file);
    } catch {
      throw new ReportArgumentError(`${arg} has no report.json; ${FIX}`);
    }
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ReportArgumentError(`${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); ${FIX}`);
  }
  try {
    return { file, report: parseReport(text, file) };
  } catch (err) {
    // parseReport's line says what is wrong; add how to get a readable one unless it already does.
    const message = (err as Error).message.replace(/\s+/g, ' ');
    const fix = /re-run compare/.test(message) ? '' : `; ${FIX} (version ${REPORT_VERSION}: re-run compare with this build if it is older)`;
    throw new ReportArgumentError(`${message}${fix}`);
  }
}

const HELP_AFTER = `
OLD and NEW are report folders (with report.json; reports/latest works) or report.json files.
For each (server, workload, concurrency) measured in both runs: OLD and NEW side by side (median
of the rounds, min-max in brackets) and NEW vs OLD per row. The factor is the ratio of the
geometric means with a 95% Welch t-interval on the log of each round's figure (the rounds of two
runs are not paired); a difference is called ("1.43x lower (1.30-1.57)") only when the interval
excludes 1, else "tie"; below 3 rounds a side: the range, nothing called. Settings that differ
(machine, driver, durations, rounds, keys, ...) are listed above the tables; cells only one run
has are listed below them. Exit 0 whenever both reports are valid (diff describes, it does not gate).

Examples:
  mkvss-lab diff reports/2026-11-30T09-00-00Z-before reports/latest
  npm run diff -- before/report.json after/report.json --markdown --out diff.md
`;

export function registerDiffCommand(program: Command): void {
  program
    .command('diff')
    .description('Compare two compare runs (report folders or report.json files): NEW vs OLD with noise-aware factors.')
    .argument('<old>', 'the earlier run: a report folder or report.json')
    .argument('<new>', 'the later run: a report folder or report.json')
    .option('--markdown', 'print Markdown instead of terminal columns', false)
    .option('--out <file>', 'write the output to this file instead of stdout')
    .addHelpText('after', HELP_AFTER)
    .action(async (oldArg: string, newArg: string, o: { markdown: boolean; out?: string }) => {
      let oldRun;
      let newRun;
      try {
        oldRun = await readReportArgument(oldArg);
        newRun = await readReportArgument(newArg);
      } catch (err) {
        if (!(err instanceof ReportArgumentError)) throw err;
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(EXIT_USAGE);
      }
      const model = buildDiffModel({ source: oldArg, report: oldRun.report }, { source: newArg, report: newRun.report });
      const text = o.markdown ? renderDiffMarkdown(model) : renderDiffTerminal(model);
      if (o.out) {
        try {
          await writeFile(o.out, text);
        } catch (err) {
          process.stderr.write(
            `error: cannot write ${o.out} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pick a file in a folder that exists and is writable\n`,
          );
          process.exit(EXIT_FAILURE);
        }
        process.stderr.write(`diff written to ${o.out}\n`);
      } else process.stdout.write(text);
      process.exitCode = EXIT_OK;
    });
}
