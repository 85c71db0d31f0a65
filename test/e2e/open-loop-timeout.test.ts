// The open loop's per-request timeout applies inside the window, not only in the grace period
// after it: a 300 ms timeout in a 1 s window, against a server that answers one of the two
// connections and never answers anything on the other. A request that waits 300 ms past its due
// time is a timeout there and then, recorded with its age (about 300 ms); were the timeout only
// applied after the window, the stalled connection's first requests (due at the window's start)
// would be recorded at an age of 1 s or more. Runs the BUILT driver against a tiny in-test server.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../harness/analysis/stats.js';
import { planCpus } from '../../harness/system/pinning.js';

const { runLoad } = (await import('../../dist/harness/load/run-load.js' as string)) as typeof import('../../harness/load/run-load.js');

const RATE = 200;
const TIMEOUT_MS = 300;
const ANSWER = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';

// The first connection gets a 200 for every request (the driver sends bodiless GETs with cannedOk,
// so a request ends at its blank line); every later one is read and never answered.
let connections = 0;
const server = net.createServer((socket) => {
  const answers = connections++ === 0;
  let pending = '';
  socket.on('data', (chunk) => {
    if (!answers) return;
    pending += chunk.toString('latin1');
    let end = pending.indexOf('\r\n\r\n');
    while (end >= 0) {
      socket.write(ANSWER);
      pending = pending.slice(end + 4);
      end = pending.indexOf('\r\n\r\n');
    }
  });
  socket.on('error', () => {});
});
let port = 0;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('open loop, per-request timeout', () => {
  it('times out a request inside the window, at its timeout, with its age as latency', async () => {
    const load = await runLoad(
      {
        mode: 'open',
        host: '127.0.0.1',
        port,
        workload: 'get',
        connections: 2,
        pipelining: 1,
        rate: RATE,
        warmupMs: 0,
        durationMs: 1000,
        keys: 100,
        valueSize: 16,
        seed: 1,
        timeoutMs: TIMEOUT_MS,
        cannedOk: true,
      },
      planCpus(false),
      { onWindowStart: () => {}, onWindowEnd: () => {} },
    );
    expect(connections).toBe(2);
    // Request i goes to connection i mod 2: 100 of the 200 due in the window wait on the silent
    // connection, and every one of them times out (the other connection's may too on a very busy machine).
    expect(load.requests).toBe(RATE);
    expect(load.responses + load.timeouts).toBe(RATE);
    expect(load.timeouts).toBeGreaterThanOrEqual(RATE / 2);
    expect(load.responses).toBeGreaterThan(0);
    expect(load.unexpectedStatus).toEqual({});
    const h = decodeHistogram(load.histogram);
    expect(h.totalCount).toBe(RATE);
    // Half the recorded latencies are timeouts, each at least the timeout old...
    expect(h.getValueAtPercentile(60)).toBeGreaterThanOrEqual(TIMEOUT_MS * 1000);
    // ...and none much older: the request due at the window's start was given up at 300 ms, inside
    // the window, not at the window's end (1 s) or the end of the grace period (1.3 s).
    expect(h.maxValue).toBeLessThan(800_000);
  }, 30_000);
});
