// Closed-loop load driver on autocannon (`--driver autocannon`; a child process of the harness):
// autocannon's programmatic API, each connection cycling through its own pre-built request list,
// warm-up then a measured window. The default driver is net-driver.ts, which needs less CPU.
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
// - Which request a response answers: the client's pipelinedRequests.terminateRequest() pops it
//   right before the client emits 'response' (status, bytes, float ms). Wrapping it is cheaper
//   than giving requests an onResponse callback, which makes autocannon rebuild a header object
//   for every response.
// - The 'response' time runs from when the request was queued on its connection to when its
//   response was parsed, as a float; autocannon's own histogram keeps whole milliseconds and is
//   not used.
import autocannon from 'autocannon';
import type { DriverSpec } from './driver-protocol.js';
import { driverMain, WindowRecorder } from './window-recorder.js';
import { connectionLists } from './connection-lists.js';
import type { PlannedRequest } from './workloads.js';
import { must } from '../must.js';

type AutocannonRequest = { method: string; path: string; body?: string; expect: number; write: PlannedRequest['write'] };

/** The parts of autocannon's Client this driver reaches into (lib/httpClient.js, v8). */
interface ClientInternals {
  requestIterator: { setRequests(r: AutocannonRequest[]): void };
  pipelinedRequests: {
    toArray(): Array<{ req: AutocannonRequest | undefined }>;
    terminateRequest(): { req: AutocannonRequest | undefined } | undefined;
  };
  destroy(): void;
  on(event: 'response', listener: (status: number, bytes: number, responseTimeMs: number) => void): void;
}

function build(spec: DriverSpec): () => Promise<import('./driver-protocol.js').ShardResult> {
  const recorder = new WindowRecorder();
  let measuring = false;
  const lists: AutocannonRequest[][] = connectionLists(spec).map((planned) =>
    planned.map((r) => ({
      method: r.method,
      path: r.path,
      ...(r.body !== undefined ? { body: r.body } : {}),
      expect: r.expect,
      write: r.write,
    })),
  );

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
            internals.requestIterator.setRequests(must(lists[nextList++ % lists.length], 'a request list (the index wraps)'));
            let answered: AutocannonRequest | undefined;
            const queue = internals.pipelinedRequests;
            const terminate = queue.terminateRequest.bind(queue);
            queue.terminateRequest = () => {
              const done = terminate();
              answered = done?.req;
              return done;
            };
            internals.on('response', (status, _bytes, responseTimeMs) => {
              const request = answered;
              if (!request) return;
              recorder.acknowledge(request, status);
              if (!measuring) return;
              recorder.status(request, status);
              recorder.latency(responseTimeMs * 1000);
            });
          },
        },
        (err) => {
          if (err) reject(err);
        },
      );
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
