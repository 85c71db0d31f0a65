// `--workers 2`: several event-loop processes on one port (node:cluster), for async and the
// node:http control. The ready line shows the real port, every worker shares the database
// (WAL), and SIGTERM stops them all with exit 0 and no lost write. A worker that dies is
// replaced while the others serve on; workers that keep dying make the server give up.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids } from './support/process-tree.js';
import { request, req } from './support/raw-client.js';
import { cleanupTempDirs, startServer, tempDbPath, tempDir } from './support/server-process.js';
import { SteadyLoad } from './support/steady-load.js';
import { waitFor } from './support/wait-for.js';

afterAll(() => cleanupTempDirs());

describe.each(['async', 'reference'] as const)('%s with --workers 2', (kind) => {
  it('serves on the announced port from every worker, then stops gracefully', async () => {
    const db = tempDbPath();
    const server = await startServer(kind, ['--workers', '2'], { db, readyTimeoutMs: 30_000 });
    try {
      // New connections are spread across workers; writes through one are read through another.
      for (let i = 0; i < 40; i++) {
        expect((await request(server.port, req('PUT', `/keys/w${i}`, `v${i}`))).status).toBe(201);
      }
      for (let i = 0; i < 40; i++) {
        expect((await request(server.port, req('GET', `/keys/w${i}`))).body.toString()).toBe(`v${i}`);
      }
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
    const again = await startServer(kind, [], { db });
    try {
      expect((await request(again.port, req('GET', '/keys/w39'))).status).toBe(200);
    } finally {
      await again.stop();
    }
  }, 60_000);
});

describe('async with --workers 2 when a worker dies', () => {
  it('replaces a SIGKILLed worker while the other carries on, and the replacements serve', async () => {
    const server = await startServer('async', ['--workers', '2'], { readyTimeoutMs: 30_000 });
    const primary = server.child.pid!;
    const load = new SteadyLoad(server.port);
    try {
      const originals = await waitFor('two workers', 10_000, () => {
        const [first, second, ...more] = childPids(primary);
        return first !== undefined && second !== undefined && more.length === 0 ? ([first, second] as const) : undefined;
      });
      await load.reach(20, 10_000);

      // Kill one worker the hard way. The primary says so and schedules a replacement.
      process.kill(originals[0], 'SIGKILL');
      await waitFor(
        'the exit line',
        10_000,
        () => server.stderr().includes(`worker ${originals[0]} exited with signal SIGKILL; restarting in `) || undefined,
      );
      // The other worker carries on: requests keep succeeding.
      await load.reach(load.ok + 20, 10_000);
      const firstReplacement = await waitFor(
        'a replacement serving',
        15_000,
        () => new RegExp(`worker (\\d+) is serving \\(replacing worker ${originals[0]}\\)`).exec(server.stderr())?.[1],
      );
      expect(childPids(primary)).toEqual([originals[1], Number(firstReplacement)].sort((a, b) => a - b));

      // Now kill the other original: until its own replacement is up, only the first replacement
      // is left to answer, and once both are replaced no original worker is serving.
      process.kill(originals[1], 'SIGKILL');
      await waitFor(
        'the second exit line',
        10_000,
        () => server.stderr().includes(`worker ${originals[1]} exited with signal SIGKILL; restarting in `) || undefined,
      );
      await load.reach(load.ok + 20, 10_000);
      await waitFor(
        'the second replacement serving',
        15_000,
        () => new RegExp(`worker \\d+ is serving \\(replacing worker ${originals[1]}\\)`).test(server.stderr()) || undefined,
      );
      await load.reach(load.ok + 20, 10_000);
      const now = childPids(primary);
      expect(now).toHaveLength(2);
      expect(now.filter((pid) => originals.includes(pid))).toEqual([]);
    } finally {
      const tally = await load.stop();
      console.info(
        `[cluster] two workers SIGKILLed and replaced under load: ${tally.ok} requests ok (${tally.retried} writes retried after a 503), ${tally.failures.length} failed${tally.failures.length ? ` (${tally.failures.join('; ')})` : ''}`,
      );
      // Only the requests caught on a worker as it died may fail (each of the two clients has
      // one request in flight at a time), and none may get a wrong answer.
      expect(tally.failures.filter((f) => !/error:|no answer/.test(f))).toEqual([]);
      expect(tally.failures.length, tally.failures.join('\n')).toBeLessThanOrEqual(8);
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
  }, 90_000);

  it('stops restarting when workers crash in a tight loop, says so and exits non-zero', async () => {
    const dir = tempDir();
    const server = await startServer('async', ['--workers', '2'], { db: path.join(dir, 'kv.db'), readyTimeoutMs: 30_000 });
    try {
      const [victim] = await waitFor('two workers', 10_000, () => {
        const pids = childPids(server.child.pid!);
        return pids.length === 2 ? pids : undefined;
      });
      // With the database's directory gone, no replacement can open it: each one fails at
      // startup, and the backoff (100, 200, 400, 800 ms) ends in giving up.
      rmSync(dir, { recursive: true, force: true });
      process.kill(victim!, 'SIGKILL');
      const exit = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r('still running'), 30_000))]);
      expect(exit).toEqual({ code: 1, signal: null });
      const stderr = server.stderr();
      console.info(`[cluster] crash loop, the server's stderr:\n${stderr}`);
      expect(stderr).toMatch(/could not start: cannot open database/);
      expect(stderr).toMatch(/restarting in 800 ms/);
      expect(stderr).toMatch(/not restarting: 5 workers in a row died within 10 s of starting/);
      expect(stderr.trim().split('\n').at(-1)).toMatch(/^error: the async server's workers keep crashing/);
    } finally {
      await server.stop('SIGKILL');
    }
  }, 60_000);
});
