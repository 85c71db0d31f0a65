// The other side of an A/B gate (`gate --against <ref>`): the servers as they were at a git ref,
// built in a throw-away worktree beside this checkout, so both builds can run in the same gate run.
// The worktree borrows this checkout's node_modules (a symlink): building it needs only tsc, which
// takes seconds, where a second `npm ci` would take a minute and the network. When the ref's
// package-lock.json differs, that is said, since then the base runs on this checkout's dependencies.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface BaseBuild {
  /** The ref as given and the commit it named. */
  ref: string;
  commit: string;
  /** The base build's `mkvss-lab` CLI. */
  cli: string;
  /** Things worth saying about the build (e.g. dependencies that differ). */
  notes: string[];
  /** Removes the worktree. Safe to call twice. */
  remove(): void;
}

/** A ref that cannot be built: the message says what to do. */
export class BaseBuildError extends Error {
  override name = 'BaseBuildError';
}

function git(cwd: string, args: string[]): { ok: boolean; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, out: (r.stdout ?? '').trim(), err: (r.stderr ?? '').trim() || (r.error?.message ?? '') };
}

export function buildBase(ref: string, cwd: string, progress: (line: string) => void = () => {}): BaseBuild {
  const top = git(cwd, ['rev-parse', '--show-toplevel']);
  if (!top.ok) throw new BaseBuildError(`--against needs a git checkout, and ${cwd} is not one (${top.err.split('\n')[0]})`);
  const root = top.out;
  const commit = git(root, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  if (!commit.ok) throw new BaseBuildError(`--against: "${ref}" names no commit here (try a branch, a tag or a hash; \`git fetch\` first if it is remote)`);
  const modules = path.join(root, 'node_modules');
  const tsc = path.join(modules, 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new BaseBuildError(`--against builds the base with this checkout's TypeScript, and ${tsc} is missing: run npm install first`);

  const scratch = mkdtempSync(path.join(tmpdir(), 'mkvss-gate-base-'));
  const dir = path.join(scratch, 'base');
  let removed = false;
  const remove = () => {
    if (removed) return;
    removed = true;
    git(root, ['worktree', 'remove', '--force', dir]);
    rmSync(scratch, { recursive: true, force: true });
    git(root, ['worktree', 'prune']);
  };
  try {
    progress(`gate: building ${ref} (${commit.out.slice(0, 12)}) in a worktree to measure beside this checkout\n`);
    const added = git(root, ['worktree', 'add', '--detach', dir, commit.out]);
    if (!added.ok) throw new BaseBuildError(`could not check out ${ref} in a worktree: ${added.err.split('\n')[0]}`);
    symlinkSync(modules, path.join(dir, 'node_modules'), 'dir');
    const notes: string[] = [];
    const lock = (d: string) => (existsSync(path.join(d, 'package-lock.json')) ? readFileSync(path.join(d, 'package-lock.json'), 'utf8') : '');
    if (lock(dir) !== lock(root)) notes.push(`${ref}'s package-lock.json differs from this checkout's; the base was built and run with this checkout's node_modules.`);
    const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    const cli = path.join(dir, 'dist', 'cli', 'mkvss-lab.js');
    if (built.status !== 0 || !existsSync(cli)) {
      const why = `${built.stdout ?? ''}${built.stderr ?? ''}`.trim().split('\n').slice(0, 5).join('\n');
      throw new BaseBuildError(`${ref} does not build with this checkout's TypeScript and dependencies:\n${why}`);
    }
    return { ref, commit: commit.out, cli, notes, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
