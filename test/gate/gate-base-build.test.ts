// Building the base side of an A/B gate: a worktree at a git ref, compiled with this checkout's
// TypeScript and node_modules, removed again afterwards.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BaseBuildError, buildBase } from '../../harness/gate/base-build.js';

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
