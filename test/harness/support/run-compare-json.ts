// Runs the BUILT `mkvss-lab compare ... --json` (npm test builds first) for the end-to-end tests,
// bounded in time, and parses its report leniently: a failed run shows its exit code and stderr in
// the first test instead of a JSON error.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Report } from '../../../harness/schema/report-schema.js';

const CLI = fileURLToPath(new URL('../../../dist/cli/mkvss-lab.js', import.meta.url));

export interface CompareRun {
  code: number | null;
  stdout: string;
  stderr: string;
  report: Report;
}

/** `args` follow `compare`; a hung run is killed after `timeoutMs` (SIGTERM lets the harness stop
 *  its servers first). */
export async function runCompareJson(args: string[], timeoutMs: number): Promise<CompareRun> {
  const run = await new Promise<Omit<CompareRun, 'report'>>((resolve) => {
    execFile(
      process.execPath,
      [CLI, 'compare', ...args],
      { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
  let report: Report;
  try {
    report = JSON.parse(run.stdout) as Report;
  } catch {
    report = {} as Report;
  }
  return { ...run, report };
}
