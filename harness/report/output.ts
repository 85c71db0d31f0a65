// Where a compare run's report goes: reports/<timestamp>[-label]/ (written by render.ts's
// writeReport) and the reports/latest symlink, replaced atomically (a new link renamed over the
// old one, so a reader never sees it missing).
import { existsSync } from 'node:fs';
import { lstat, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Report } from '../schema/report-schema.js';
import { writeReport } from './render.js';

/** "2025-11-24T04-06-00Z" from an ISO time: sortable, and legal in file names everywhere. */
export function runDirName(createdAt: string, label?: string): string {
  const stamp = createdAt.replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  return label ? `${stamp}-${label}` : stamp;
}

export async function saveReport(report: Report, outRoot: string): Promise<{ dir: string; files: string[]; latest: string | null }> {
  let name = runDirName(report.createdAt, report.label);
  // Two runs in the same second (tests, scripts) must not overwrite each other.
  for (let n = 2; existsSync(path.join(outRoot, name)); n++) name = `${runDirName(report.createdAt, report.label)}-${n}`;
  const written = await writeReport(report, path.join(outRoot, name));
  const latest = path.join(outRoot, 'latest');
  const temp = path.join(outRoot, `.latest-${process.pid}`);
  try {
    await rm(temp, { force: true });
    await symlink(name, temp);
    const existing = await lstat(latest).catch(() => null);
    if (existing && !existing.isSymbolicLink()) throw new Error(`${latest} exists and is not a symlink; left alone`);
    await rename(temp, latest);
    return { ...written, latest };
  } catch {
    await rm(temp, { force: true });
    return { ...written, latest: null };
  }
}
