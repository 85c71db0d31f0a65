// Building the base side of an A/B gate: a worktree at a git ref, compiled with this checkout's
// TypeScript and node_modules, removed again afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaseBuildError, blessableHead, buildBase, requireCommitPresent } from '../../harness/gate/base-build.js';

const ROOT = process.cwd();

describe('the base build of an A/B gate', () => {
  it('refuses a folder that is not a git checkout, saying so', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'not-git-'));
    try {
      expect(() => buildBase('HEAD', dir)).toThrow(BaseBuildError);
      expect(() => buildBase('HEAD', dir)).toThrow(/needs a git checkout/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a ref that names no commit, with the fix', () => {
    expect(() => buildBase('no-such-branch-for-sure', ROOT)).toThrow(/"no-such-branch-for-sure" names no commit here .*git fetch/);
  });

  it('builds HEAD in a worktree whose CLI exists, and removes it without a trace', () => {
    const lines: string[] = [];
    const base = buildBase('HEAD', ROOT, (l) => lines.push(l));
    try {
      expect(base.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(existsSync(base.cli)).toBe(true);
      expect(lines.join('')).toContain(`building HEAD (${base.commit.slice(0, 12)})`);
    } finally {
      base.remove();
    }
    expect(existsSync(base.cli)).toBe(false);
    const worktrees = spawnSync('git', ['worktree', 'list', '--porcelain'], { cwd: ROOT, encoding: 'utf8' }).stdout;
    expect(worktrees).not.toContain(path.dirname(path.dirname(path.dirname(base.cli))));
    base.remove(); // twice is fine
  });
});

/** A throw-away git repository with two commits on main and a servers/ folder. */
function scratchRepo(): { dir: string; git: (...args: string[]) => string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'gate-git-'));
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], {
      cwd: dir,
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout.trim();
  };
  git('init', '-q');
  mkdirSync(path.join(dir, 'servers'));
  writeFileSync(path.join(dir, 'servers', 'a.ts'), 'one\n');
  git('add', '.');
  git('commit', '-qm', 'one');
  writeFileSync(path.join(dir, 'servers', 'a.ts'), 'two\n');
  git('commit', '-qam', 'two');
  return { dir, git };
}

describe('the blessed commit', () => {
  it('blesses a clean HEAD on a branch', () => {
    const { dir, git } = scratchRepo();
    try {
      expect(blessableHead(dir)).toBe(git('rev-parse', 'HEAD'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses HEAD when servers/ has changes that are not in it, naming them', () => {
    const { dir } = scratchRepo();
    try {
      writeFileSync(path.join(dir, 'servers', 'a.ts'), 'three\n');
      expect(() => blessableHead(dir)).toThrow(/servers\/ has changes that are not in it \(servers\/a\.ts\): commit or stash them first/);
      writeFileSync(path.join(dir, 'servers', 'a.ts'), 'two\n');
      writeFileSync(path.join(dir, 'servers', 'new.ts'), 'untracked\n');
      expect(() => blessableHead(dir)).toThrow(/servers\/new\.ts/);
      // Changes outside servers/ do not change what is measured.
      rmSync(path.join(dir, 'servers', 'new.ts'));
      writeFileSync(path.join(dir, 'notes.md'), 'x\n');
      expect(() => blessableHead(dir)).not.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a detached HEAD that no branch contains', () => {
    const { dir, git } = scratchRepo();
    try {
      git('checkout', '-q', '--detach');
      writeFileSync(path.join(dir, 'servers', 'a.ts'), 'detached\n');
      git('commit', '-qam', 'detached');
      expect(() => blessableHead(dir)).toThrow(/is on no branch \(detached\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a blessed commit missing from a shallow clone is one line naming fetch-depth: 0', () => {
    const { dir, git } = scratchRepo();
    const clone = mkdtempSync(path.join(tmpdir(), 'gate-git-shallow-'));
    try {
      const first = git('rev-list', '--max-parents=0', 'HEAD');
      spawnSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, clone], { encoding: 'utf8' });
      expect(() => requireCommitPresent(git('rev-parse', 'HEAD'), clone, 'reports/baseline.json')).not.toThrow();
      const err = (() => {
        try {
          requireCommitPresent(first, clone, 'reports/baseline.json');
        } catch (e) {
          return e as Error;
        }
        return null;
      })();
      expect(err).toBeInstanceOf(BaseBuildError);
      expect(err!.message).not.toContain('\n');
      expect(err!.message).toMatch(
        new RegExp(
          `^the blessed commit ${first.slice(0, 12)} \\(reports/baseline\\.json\\) is not in this checkout's history \\(a shallow clone\\): .*\`fetch-depth: 0\`.*git fetch --unshallow`,
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(clone, { recursive: true, force: true });
    }
  });
});
