// Closed-loop load driver (a child process of the harness): autocannon's programmatic API, each
// connection cycling through its own pre-built request list, warm-up then a measured window.
//
// Why it is built this way (read in node_modules/autocannon/lib, v8):
// - requestIterator.setRequests() builds the buffer of every request without a setupRequest
//   function once, and nextRequest() only rebuilds requests that have one. Static lists are
//   therefore built once and never again while measuring.
// - Each Client deep-clones its options, so a list given in `requests` would be the same for every
//   connection (every connection walking the same keys in step, and crud connections colliding on
//   the same fresh keys). setupClient runs in the Client constructor before the first request is
//   written, so each connection gets its own list there (through requestIterator directly: the
//   public setRequests() refuses when pipelining > 1, although nothing has been sent yet).
// - A request's onResponse(status, ...) is called for its own response, before the client emits
//   'response'; that is how each status is checked against what that request expected.
// - The instance's 'response' event carries the float response time in ms (from when the request
//   was queued to when its response was parsed); autocannon's own histogram keeps whole
//   milliseconds and is not used.
import autocannon from 'autocannon';
import type { DriverSpec } from './driver-protocol.js';
import { driverMain, WindowRecorder } from './driver-recorder.js';
import { seededRandom } from './bootstrap.js';
import { buildRequests, listLength, type PlannedRequest } from './workloads.js';

type AutocannonRequest = { method: string; path: string; body?: string; onResponse: (status: number) => void; write: PlannedRequest['write'] };

/** The parts of autocannon's Client this driver reaches into (lib/httpClient.js, v8). */
interface ClientInternals {
  requestIterator: { setRequests(r: AutocannonRequest[]): void };
  pipelinedRequests: { toArray(): Array<{ req: AutocannonRequest | undefined }> };
  destroy(): void;
}

function build(spec: DriverSpec): () => Promise<import('./driver-protocol.js').ShardResult> {
  const recorder = new WindowRecorder();
  let measuring = false;
  // One checker per (expected status, write kind): a handful of closures, not one per request.
  const checkers = new Map<string, (status: number) => void>();
  const checkerFor = (r: PlannedRequest) => {
    const key = `${r.expect}|${r.write}`;
    let f = checkers.get(key);
    if (!f) {
      f = (status: number) => {
        recorder.acknowledge(r, status);
        if (measuring) recorder.status(r, status);
      };
      checkers.set(key, f);
    }
    return f;
  };
  const length = listLength(spec.connections);
  const lists: AutocannonRequest[][] = [];
  for (let c = 0; c < spec.connections; c++) {
    const random = seededRandom(spec.seed * 7919 + spec.shard * 104_729 + c);
    const planned = buildRequests({ workload: spec.workload, keys: spec.keys, valueSize: spec.valueSize, length, connectionTag: `${spec.shard}-${c}`, random });
    lists.push(planned.map((r) => ({ method: r.method, path: r.path, ...(r.body !== undefined ? { body: r.body } : {}), onResponse: checkerFor(r), write: r.write })));
  }

  return () =>
    new Promise((resolve, reject) => {
      let nextList = 0;
      const clients: ClientInternals[] = [];
      const instance = autocannon(
        {
          url: `http://${spec.host}:${spec.port}`,
          connections: spec.connections,
          pipelining: spec.pipelining,
          // Stopped by this driver at the end of its window; the duration is only a backstop.
          duration: Math.ceil((spec.warmupMs + spec.durationMs) / 1000) + 30,
          timeout: Math.max(1, Math.ceil(spec.timeoutMs / 1000)),
          requests: [{ method: 'GET', path: '/health' }],
          setupClient: (client) => {
            const internals = client as unknown as ClientInternals;
            clients.push(internals);
            internals.requestIterator.setRequests(lists[nextList++ % lists.length]!);
          },
        },
        (err) => {
          if (err) reject(err);
        },
      );
      instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTimeMs: number) => {
        if (measuring) recorder.latency(responseTimeMs * 1000);
      });
      instance.on('reqError', (error: Error) => {
        // Which request died is not known here; in crud it may have been a create or a delete.
        if (spec.workload === 'crud') recorder.uncertain(null);
        if (!measuring) return;
        if (error.message === 'request timed out') recorder.failure('timeout');
        else if ('code' in error) recorder.failure('connection');
        else recorder.failure('other', error.message);
      });
      let windowStart = 0;
      setTimeout(() => {
        measuring = true;
        windowStart = performance.now();
        process.send?.({ type: 'measuring' });
        setTimeout(() => {
          measuring = false;
          const windowMs = performance.now() - windowStart;
          process.send?.({ type: 'window-end' });
          // Stop every connection now (instance.stop() would let them run to the next 1 s tick),
          // noting the writes still in flight: their outcome is unknown to the rows check.
          for (const client of clients) {
            for (const pending of client.pipelinedRequests.toArray()) if (pending.req) recorder.uncertain(pending.req);
            client.destroy();
          }
          instance.stop();
          resolve(recorder.result(windowMs));
        }, spec.durationMs);
      }, spec.warmupMs);
    });
}

driverMain(build);
