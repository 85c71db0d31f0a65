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
  if (!commit.ok)
    throw new BaseBuildError(
      `--against: "${ref}" names no commit here (try a branch, a tag or a hash; \`git fetch\` first if it is remote)`,
    );
  const modules = path.join(root, 'node_modules');
  const tsc = path.join(modules, 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc))
    throw new BaseBuildError(`--against builds the base with this checkout's TypeScript, and ${tsc} is missing: run npm install first`);

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
    const lock = (d: string) =>
      existsSync(path.join(d, 'package-lock.json')) ? readFileSync(path.join(d, 'package-lock.json'), 'utf8') : '';
    if (lock(dir) !== lock(root))
      notes.push(`${ref}'s package-lock.json differs from this checkout's; the base was built and run with this checkout's node_modules.`);
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

/** The blessed commit must be in this checkout's history to be built. Throws a one-line
 *  BaseBuildError naming the fix when it is not (typically a shallow CI clone). */
export function requireCommitPresent(commit: string, cwd: string, source: string): void {
  const present = git(cwd, ['cat-file', '-e', `${commit}^{commit}`]);
  if (present.ok) return;
  const shallow = git(cwd, ['rev-parse', '--is-shallow-repository']).out === 'true';
  throw new BaseBuildError(
    `the blessed commit ${commit.slice(0, 12)} (${source}) is not in this checkout's history${shallow ? ' (a shallow clone)' : ''}: fetch the full history (actions/checkout with \`fetch-depth: 0\`, or \`git fetch --unshallow\`), or bless a commit of this branch's history with \`npm run gate -- --update-baseline\``,
  );
}

/**
 * HEAD, checked to be worth blessing: the servers in the working tree are HEAD's (nothing modified
 * or untracked under servers/, since the build measured is the working tree's), and HEAD is on a
 * branch (on a remote-tracking branch when the checkout has remotes), so a later clone of that
 * branch has it in its history. Throws a BaseBuildError saying what to do otherwise.
 */
export function blessableHead(cwd: string): string {
  const head = git(cwd, ['rev-parse', '--verify', 'HEAD^{commit}']);
  if (!head.ok) throw new BaseBuildError(`--update-baseline blesses the current commit, and ${cwd} has none (${head.err.split('\n')[0]})`);
  // -z: one NUL-terminated "XY path" entry per file, no quoting, leading status kept.
  const status = spawnSync('git', ['status', '--porcelain', '-z', '--', 'servers/'], { cwd, encoding: 'utf8' });
  if (status.status !== 0) throw new BaseBuildError(`cannot read git status: ${(status.stderr ?? '').split('\n')[0]}`);
  const files = status.stdout
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3));
  if (files.length > 0) {
    throw new BaseBuildError(
      `--update-baseline blesses HEAD, but servers/ has changes that are not in it (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', …' : ''}): commit or stash them first`,
    );
  }
  // for-each-ref, not `git branch --contains`, which lists a detached HEAD as "(HEAD detached ...)".
  const containing = (refs: string) => git(cwd, ['for-each-ref', '--contains', head.out, '--format=%(refname)', refs]).out;
  const hasRemotes = git(cwd, ['remote']).out !== '';
  if (hasRemotes && containing('refs/remotes') === '') {
    throw new BaseBuildError(
      `--update-baseline: HEAD (${head.out.slice(0, 12)}) is on no remote branch, so a CI clone would not have it: push it (bless a commit of the target branch, e.g. after merging) first`,
    );
  }
  if (!hasRemotes && containing('refs/heads') === '') {
    throw new BaseBuildError(
      `--update-baseline: HEAD (${head.out.slice(0, 12)}) is on no branch (detached): check out the branch whose commit you mean to bless`,
    );
  }
  return head.out;
}
