// Closed-loop load driver on node:net (a child process of the harness; the default driver):
// builds each connection's request list and its bytes before the load, then runs warm-up and the
// measured window with ClosedLoopLoad (net-closed-loop.ts). It speaks the same IPC protocol and
// counts with the same WindowRecorder as the autocannon driver, so the two are interchangeable.
import type { DriverSpec, ShardResult } from './driver-protocol.js';
import { driverMain, WindowRecorder } from './window-recorder.js';
import { ClosedLoopLoad, type PreparedRequest } from './net-closed-loop.js';
import { connectionLists } from './connection-lists.js';
import { requestBytes } from './workloads.js';

function build(spec: DriverSpec): () => Promise<ShardResult> {
  const host = `${spec.host}:${spec.port}`;
  const lists: PreparedRequest[][] = connectionLists(spec).map((list) => list.map((request) => ({ request, bytes: requestBytes(request, host) })));
  return () =>
    new Promise((resolve) => {
      const recorder = new WindowRecorder();
      const load = new ClosedLoopLoad({ host: spec.host, port: spec.port, pipelining: spec.pipelining, timeoutMs: spec.timeoutMs, lists }, recorder);
      load.start();
      setTimeout(() => {
        load.measuring = true;
        const windowStart = performance.now();
        process.send?.({ type: 'measuring' });
        setTimeout(() => {
          load.measuring = false;
          const windowMs = performance.now() - windowStart;
          process.send?.({ type: 'window-end' });
          load.stop();
          resolve(recorder.result(windowMs));
        }, spec.durationMs);
      }, spec.warmupMs);
    });
}

driverMain(build);
