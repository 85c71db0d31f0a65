import { describe, expect, it } from 'vitest';
import { parseStatCpuSeconds, parseStatus, processStatus, processTree, statusField } from '../../harness/system/proc.js';
import { ProcSampler } from '../../harness/system/proc-sampler.js';
import {
  allowedCpus,
  hasTaskset,
  moveServer,
  parseCpuList,
  pinnedCommand,
  planCpus,
  serverPlacement,
  threadsOffCpus,
} from '../../harness/system/pinning.js';
import { spawn } from 'node:child_process';
import { ResponseFramer } from '../../harness/load/response-framer.js';
import { mergeShardResults, splitEvenly } from '../../harness/load/run-load.js';
import { decodeHistogram, encodeHistogram, newLatencyHistogram } from '../../harness/analysis/stats.js';
import type { ShardResult } from '../../harness/load/driver-protocol.js';
import { must } from '../../harness/must.js';

describe('/proc parsing', () => {
  it('reads utime + stime even when the command name has spaces and parentheses', () => {
    const stat = '1234 (node (my) server) S 1 1234 1234 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 7 0 100 1000 100';
    expect(parseStatCpuSeconds(stat, 100)).toBe(3);
  });
  it('reads VmRSS, VmHWM and Threads from status (0 for a missing field)', () => {
    expect(parseStatus('Name:\tnode\nVmRSS:\t  2048 kB\nThreads:\t12\n')).toEqual({ rssBytes: 2048 * 1024, peakRssBytes: 0, threads: 12 });
    expect(parseStatus('VmHWM:\t  4096 kB\nVmRSS:\t  2048 kB\nThreads:\t3\n')).toEqual({
      rssBytes: 2048 * 1024,
      peakRssBytes: 4096 * 1024,
      threads: 3,
    });
  });
  it('reads a live process and says null for one that is gone', () => {
    const self = processStatus(process.pid)!;
    expect(self.peakRssBytes).toBeGreaterThanOrEqual(self.rssBytes);
    expect(self.threads).toBeGreaterThan(0);
    expect(processStatus(2 ** 22 + 1)).toBeNull();
    expect(statusField('self', 'Cpus_allowed_list')).toMatch(/^[\d,-]+$/);
    expect(statusField('self', 'NoSuchField')).toBeNull();
  });
  it('samples this very process (Linux)', async () => {
    expect(processTree(process.pid)[0]).toBe(process.pid);
    const s = new ProcSampler([process.pid], 20);
    s.start();
    const until = Date.now() + 100;
    while (Date.now() < until); // busy: some CPU to see
    const u = s.stop();
    expect(u.cpuPct).toBeGreaterThan(0);
    expect(u.peakRssBytes).toBeGreaterThan(1024 * 1024);
    expect(u.peakThreads).toBeGreaterThanOrEqual(1);
  });
});

describe('CPU pinning plan', () => {
  it('parses CPU lists', () => {
    expect(parseCpuList('0-3,8,10-11')).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(() => parseCpuList('a-b')).toThrow(/not a CPU list/);
  });
  it('gives the driver one CPU of two and the server the other', () => {
    expect(planCpus(true, [0, 1], true)).toEqual({ pinned: true, driverCpus: [0], serverCpus: [1], driverProcesses: 1 });
  });
  it('gives the driver about a third of many CPUs, one process each', () => {
    const p = planCpus(true, [0, 1, 2, 3, 4, 5, 6, 7], true);
    expect(p.driverCpus).toEqual([0, 1]);
    expect(p.serverCpus).toEqual([2, 3, 4, 5, 6, 7]);
    expect(p.driverProcesses).toBe(2);
  });
  it('does not pin with one CPU, without taskset, or when asked not to', () => {
    expect(planCpus(true, [0], true).pinned).toBe(false);
    expect(planCpus(true, [0, 1], false).note).toMatch(/taskset/);
    expect(planCpus(false, [0, 1], true).pinned).toBe(false);
  });
  it('prefixes taskset only when there are CPUs to pin to', () => {
    expect(pinnedCommand([1, 2], 'node', ['x.js'])).toEqual(['taskset', ['-c', '1,2', 'node', 'x.js']]);
    expect(pinnedCommand([], 'node', ['x.js'])).toEqual(['node', ['x.js']]);
  });
  it("starts a server on every planned CPU and serves on the servers' ones; nothing to pin when unpinned", () => {
    expect(serverPlacement(planCpus(true, [0, 1, 2, 3, 4, 5], true))).toEqual({ start: [0, 1, 2, 3, 4, 5], serve: [2, 3, 4, 5] });
    expect(serverPlacement(planCpus(false, [0, 1], true))).toEqual({ start: [], serve: [] });
  });
  const cpus = allowedCpus();
  it.runIf(cpus.length >= 2 && hasTaskset())('moves every thread of a live multi-threaded process onto the serving CPUs', async () => {
    const last = [cpus[cpus.length - 1] as number];
    // A node process with worker threads (more than one task), started on all CPUs.
    const [cmd, args] = pinnedCommand(cpus, process.execPath, [
      '-e',
      "const { Worker } = require('node:worker_threads'); for (let i = 0; i < 3; i++) new Worker('setInterval(() => {}, 1000)', { eval: true }); console.log('up'); setInterval(() => {}, 1000);",
    ]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      const pid = child.pid as number;
      expect(threadsOffCpus(pid, last)?.length).toBeGreaterThan(3); // on every CPU so far
      expect(moveServer(pid, last)).toBe(true);
      expect(threadsOffCpus(pid, last)).toEqual([]);
      expect(statusField(pid, 'Cpus_allowed_list')).toBe(String(last[0]));
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe("open-loop response framing (the net driver's ResponseFramer)", () => {
  it('splits pipelined responses and keeps a partial one for later', () => {
    const a = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    const b = 'HTTP/1.1 404 Not Found\r\ncontent-length: 5\r\n\r\nnope!';
    const partial = 'HTTP/1.1 201 Created\r\nContent-Length: 10\r\n\r\nabc';
    const buf = Buffer.from(a + b + partial);
    const statuses: number[] = [];
    const framer = new ResponseFramer();
    expect(framer.push(buf, buf.length, (s) => statuses.push(s))).toBe(true);
    expect(statuses).toEqual([200, 404]);
    expect(buf.length - framer.pendingBytes).toBe(Buffer.byteLength(a + b));
  });
  it('flags a response it cannot frame', () => {
    const framer = new ResponseFramer();
    const buf = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
    expect(framer.push(buf, buf.length, () => {})).toBe(false);
    expect(framer.error).toBe('response without Content-Length');
  });
});

describe('driver shards', () => {
  it('splits connections evenly', () => {
    expect(splitEvenly(50, 3)).toEqual([17, 17, 16]);
    expect(splitEvenly(2, 2)).toEqual([1, 1]);
  });
  it('merges shard counts and histograms', () => {
    const h = (...values: number[]) => {
      const x = newLatencyHistogram();
      for (const v of values) x.recordValue(v);
      return encodeHistogram(x);
    };
    const shard = (values: number[], status: Record<string, number>, lag: number, sendLag: number | null): ShardResult => ({
      requests: 10,
      responses: 9,
      expected: 8,
      unexpectedStatus: status,
      timeouts: 1,
      connectionErrors: 0,
      other: {},
      creates: 2,
      deletes: 1,
      writesAcknowledged: 3,
      histogram: h(...values),
      latencySumUs: values.reduce((a, b) => a + b, 0),
      latencyCount: values.length,
      windowMs: 1000 + must(values[0], 'a latency value'),
      netCreates: 1,
      uncertainCreates: 1,
      uncertainDeletes: 0,
      loopDelayP99Us: lag,
      loopDelayMaxUs: lag * 2,
      sendLagP99Us: sendLag,
    });
    const m = mergeShardResults([
      shard([100, 100, 100], { '404': 1 }, 500, null),
      { ...shard([200, 300], { '404': 1, '500': 1 }, 9000, 1200), responsesByWindowEnd: 5 },
    ]);
    // Answered by the window's end: all 9 of the first shard (no figure: every one), 5 of the second.
    expect(m.responsesByWindowEnd).toBe(14);
    expect(m).toMatchObject({
      requests: 20,
      expected: 16,
      timeouts: 2,
      unexpectedStatus: { '404': 2, '500': 1 },
      netCreates: 2,
      windowMs: 1200,
      latencyCount: 5,
      latencySumUs: 800,
    });
    // The merged histogram holds every shard's values: 100 x3, 200, 300.
    const merged = decodeHistogram(m.histogram);
    expect(merged.totalCount).toBe(5);
    expect(merged.minNonZeroValue).toBe(100);
    expect(merged.getValueAtPercentile(60)).toBe(100);
    expect(merged.getValueAtPercentile(80)).toBe(200);
    expect(merged.maxValue).toBe(300);
    // The driver's lag is the worst shard's.
    expect(m).toMatchObject({ loopDelayP99Us: 9000, loopDelayMaxUs: 18000, sendLagP99Us: 1200 });
  });
});
