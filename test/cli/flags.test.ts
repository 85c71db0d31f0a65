// The shared flag parsers (cli/flags.ts) and what --help shows of them. The --help cases run the
// BUILT CLI (npm test builds first); nothing is started or measured.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  duration,
  formatDuration,
  formatSize,
  fraction,
  nameList,
  percent,
  rate,
  size,
  wholeNumber,
  wholeNumberList,
} from '../../cli/flags.js';

const CLI = fileURLToPath(new URL('../../dist/cli/mkvss-lab.js', import.meta.url));

function cli(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 20_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

describe('duration', () => {
  const d = duration('--duration', { minMs: 100 });
  it('reads ms, s and m', () => {
    expect(d('500ms')).toBe(500);
    expect(d('1.5s')).toBe(1500);
    expect(d('2m')).toBe(120_000);
  });
  it('says the unit is missing instead of reading a bare number as milliseconds', () => {
    expect(() => d('10')).toThrow('--duration 10: add a unit, e.g. 10s.');
    expect(() => duration('--request-timeout')('5000')).toThrow('--request-timeout 5000: add a unit, e.g. 5000ms (5s).');
  });
  it('takes 0 only where the flag allows it, and says the bounds with units', () => {
    expect(() => d('0s')).toThrow('--duration must be above zero');
    expect(duration('--warmup', { allowZero: true })('0')).toBe(0);
    expect(() => d('50ms')).toThrow('--duration must be at least 100ms, got "50ms"');
    expect(() => d('2h')).toThrow('--duration takes a duration such as 500ms, 10s or 2m');
    expect(() => d('61m')).toThrow('--duration must be at most 60m');
  });
});

describe('size, whole numbers, fractions', () => {
  it('reads sizes in binary units', () => {
    const s = size('--max-body');
    expect(s('1048576')).toBe(1048576);
    expect(s('512k')).toBe(512 * 1024);
    expect(s('1MiB')).toBe(1048576);
    expect(() => s('0')).toThrow('--max-body must be from 1 byte to 1g, got "0"');
    expect(() => s('2x')).toThrow('--max-body takes a size');
  });
  it('reads whole numbers within bounds only', () => {
    const n = wholeNumber('--port', 0, 65535);
    expect(n('8080')).toBe(8080);
    for (const bad of ['-1', '1.5', '1e3', '70000', ''])
      expect(() => n(bad)).toThrow(`--port must be a whole number from 0 to 65535, got "${bad}"`);
  });
  it('reads rates: whole for the knee flags, a decimal allowed for --rate, 1 to 10000000 for both', () => {
    const knee = rate('--knee-max', { whole: true });
    expect(knee('5000')).toBe(5000);
    for (const bad of ['0', '2.5', '1e3', '10000001', 'fast'])
      expect(() => knee(bad)).toThrow(
        `--knee-max is requests per second, a whole number from 1 to 10000000, got "${bad}"; e.g. --knee-max 5000.`,
      );
    const total = rate('--rate', { whole: false });
    expect(total('2500.5')).toBe(2500.5);
    for (const bad of ['0.5', '-1', '10000001', ''])
      expect(() => total(bad)).toThrow(`--rate is requests per second, a number from 1 to 10000000, got "${bad}"`);
  });
  it('reads fractions as decimals or percentages', () => {
    expect(fraction('--tolerance')('15%')).toBeCloseTo(0.15);
    expect(fraction('--tolerance')('0.15')).toBeCloseTo(0.15);
    expect(() => fraction('--tolerance')('1')).toThrow('between 0 and 1');
  });
});

describe('lists', () => {
  const servers = nameList('--servers', ['sync', 'async', 'floor'] as const);
  it('names a duplicate instead of silently running it once', () => {
    expect(() => servers('sync,sync')).toThrow('--servers lists sync twice; name each once.');
    expect(() => wholeNumberList('--concurrency', 1, 100)('10,50,10')).toThrow('--concurrency lists 10 twice');
  });
  it('keeps the order, tolerates a trailing comma and refuses unknown or empty items', () => {
    expect(servers('async, sync,')).toEqual(['async', 'sync']);
    expect(() => servers('sync,nope')).toThrow('unknown servers "nope"; choose from sync, async, floor');
    expect(() => servers('')).toThrow('--servers needs at least one of');
    expect(() => wholeNumberList('--concurrency', 1, 100)('10,,50')).toThrow('comma-separated list');
  });
});

describe('defaults as the README writes them', () => {
  it('formats durations, sizes and fractions', () => {
    expect([10_000, 250, 1500, 120_000, 0].map(formatDuration)).toEqual(['10s', '250ms', '1.5s', '2m', '0s']);
    expect([1048576, 16384, 8192, 100, 1536].map(formatSize)).toEqual(['1m', '16k', '8k', '100', '1536']);
    expect(percent(0.15)).toBe('15%');
  });
});

describe.concurrent('--help and usage errors of the built CLI', () => {
  it('serve --help shows durations and sizes with units', async () => {
    const r = await cli('serve', '--help');
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).toContain('--request-timeout <duration> time to send a whole request head (408 past it) (default: 10s)');
    expect(help).toContain('(413 past it), e.g. 1m (default: 1m)');
    expect(help).toMatch(/--idle-timeout <duration> .* \(default: 30s\)/);
    for (const raw of ['1048576', '16384', '8192', '30000']) expect(help).not.toContain(`(default: ${raw})`);
  });
  it('compare and gate --help state each default once, readably', async () => {
    const compare = (await cli('compare', '--help')).stdout.replace(/\s+/g, ' ');
    expect(compare).toContain('(default: on with 2+ CPUs and taskset)');
    expect(compare).not.toContain('(default: true)');
    expect(compare).toContain('(default: sync,async)');
    const gate = (await cli('gate', '--help')).stdout.replace(/\s+/g, ' ');
    expect(gate).not.toContain('{}');
    expect(gate).toContain('(default: 15%)');
    expect(gate).toContain('(default: 250ms)');
  });
  it.each([
    [['compare', '-d', '10'], /--duration 10: add a unit, e.g\. 10s\./],
    [['compare', '--servers', 'sync,sync'], /--servers lists sync twice; name each once\./],
    [['gate', '--workloads', 'get,get'], /--workloads lists get twice/],
    [['serve', 'sync', '--request-timeout', '5000'], /--request-timeout 5000: add a unit/],
  ])('%j is a usage error naming the fix', async (args, message) => {
    const r = await cli(...(args as string[]));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
