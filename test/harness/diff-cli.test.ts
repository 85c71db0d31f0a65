// `mkvss-lab diff OLD NEW` through the BUILT CLI (npm test builds first): folder and file arguments,
// terminal and Markdown output, --out, and the one-line error (exit 2) for anything that is not a
// valid report of this version.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { steady, syntheticReport } from '../gate/synthetic-report.js';

const CLI = fileURLToPath(new URL('../../dist/cli/mkvss-lab.js', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../fixtures/report-basic.json', import.meta.url));

function diff(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, 'diff', ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mkvss-diff-'));
  // A report folder as compare writes it, and a `latest` symlink to it.
  await mkdir(join(dir, 'run-a'));
  await writeFile(join(dir, 'run-a', 'report.json'), await readFile(FIXTURE, 'utf8'));
  await symlink(join(dir, 'run-a'), join(dir, 'latest'));
  const slow = syntheticReport({ get: { async: steady(14_000, 3000, [1, 1.04, 0.97]) } });
  const fast = syntheticReport({ get: { async: steady(20_000, 2100, [1, 1.04, 0.97]) } });
  await writeFile(join(dir, 'fast.json'), JSON.stringify(fast));
  await writeFile(join(dir, 'slow.json'), JSON.stringify(slow));
  await writeFile(join(dir, 'v1.json'), JSON.stringify({ ...fast, version: 1 }));
  await writeFile(join(dir, 'bad-field.json'), JSON.stringify({ ...fast, cells: [{ ...fast.cells[0], concurrency: 'many' }] }));
  await writeFile(join(dir, 'not-json.json'), '{"schema": "mkvss-lab/report",');
  await writeFile(join(dir, 'other.json'), JSON.stringify({ hello: 'world' }));
  await mkdir(join(dir, 'empty'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.concurrent('mkvss-lab diff', () => {
  it('takes a report folder, a `latest` symlink and a report.json file alike', async () => {
    const r = await diff(join(dir, 'run-a'), join(dir, 'latest'));
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/== sync, get, 64 connections ==/);
    expect(r.stdout).toMatch(/Throughput \(req\/s\) .* tie \(/);
    const file = await diff(join(dir, 'run-a'), FIXTURE);
    expect(file.code).toBe(0);
    expect(file.stdout.split('\n').slice(3)).toEqual(r.stdout.split('\n').slice(3)); // same tables
  });

  it('reads a slower NEW run as a loss, exit 0 (descriptive, not a gate)', async () => {
    const r = await diff(join(dir, 'fast.json'), join(dir, 'slow.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Throughput \(req\/s\) .* 1\.43x lower \(/);
    expect(r.stdout).toMatch(/P99 latency .* 1\.43x slower \(/);
  });

  it('--markdown prints Markdown; --out writes it to a file instead of stdout', async () => {
    const md = await diff(join(dir, 'fast.json'), join(dir, 'slow.json'), '--markdown');
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^# mkvss-lab diff: NEW vs OLD\n/);
    expect(md.stdout).toContain('|  | OLD | NEW | NEW vs OLD |');
    const out = join(dir, 'diff.md');
    const written = await diff(join(dir, 'fast.json'), join(dir, 'slow.json'), '--markdown', '--out', out);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(await readFile(out, 'utf8')).toBe(md.stdout);
  });

  it.each([
    ['v1.json', /v1\.json is mkvss-lab\/report version 1; this build reads version 2 only \(re-run compare to get one\)$/],
    [
      'bad-field.json',
      /bad-field\.json does not match the mkvss-lab\/report v2 schema: \/cells\/0\/concurrency: .*; give a report folder written by `mkvss-lab compare`/,
    ],
    ['not-json.json', /not-json\.json is not JSON: .*; give a report folder written by `mkvss-lab compare`/],
    ['other.json', /other\.json is not an mkvss-lab\/report file .*; give a report folder/],
    [
      'empty',
      /empty has no report\.json; give a report folder written by `mkvss-lab compare` \(such as reports\/latest\) or its report\.json$/,
    ],
    ['missing', /missing: no such file or folder; give a report folder/],
  ])('%s as NEW: one error line naming it and the fix, exit 2', async (name, message) => {
    const r = await diff(join(dir, 'fast.json'), join(dir, name));
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
  });

  it('names OLD when OLD is the bad one', async () => {
    const r = await diff(join(dir, 'v1.json'), join(dir, 'fast.json'));
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(/^error: \S*v1\.json is mkvss-lab\/report version 1/);
  });

  it('needs both arguments (usage error, exit 2)', async () => {
    const r = await diff(join(dir, 'fast.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/missing required argument 'new'/);
  });
});
