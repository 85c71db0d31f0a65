// Closed-loop load driver on node:net (a child process of the harness; the default driver):
// builds each connection's request list and its bytes before the load, then runs warm-up and the
// measured window with ClosedLoopLoad (net-closed-loop.ts). It speaks the same IPC protocol and
// counts with the same WindowRecorder as the autocannon driver, so the two are interchangeable;
// it alone also answers the parent's 'count' and ends its window early on 'stop', which makes the
// warm-up until steady one continuous load (steady-warmup.ts).
import type { DriverSpec } from './driver-protocol.js';
import { driverMain, WindowRecorder, type BuiltLoad } from './window-recorder.js';
import { ClosedLoopLoad, type PreparedRequest } from './net-closed-loop.js';
import { connectionLists } from './connection-lists.js';
import { requestBytes } from './workloads.js';

function build(spec: DriverSpec): BuiltLoad {
  const host = `${spec.host}:${spec.port}`;
  const lists: PreparedRequest[][] = connectionLists(spec).map((list) =>
    list.map((request) => ({ request, bytes: requestBytes(request, host) })),
  );
  const recorder = new WindowRecorder();
  // Set once the window is open: ends it now (at durationMs, or earlier on the parent's 'stop').
  let endWindow: (() => void) | null = null;
  let stopEarly = false;
  return {
    count: () => recorder.count(),
    stop: () => {
      stopEarly = true;
      endWindow?.();
    },
    run: () =>
      new Promise((resolve) => {
        const load = new ClosedLoopLoad(
          { host: spec.host, port: spec.port, pipelining: spec.pipelining, timeoutMs: spec.timeoutMs, lists },
          recorder,
        );
        load.start();
        setTimeout(() => {
          load.measuring = true;
          const windowStart = performance.now();
          process.send?.({ type: 'measuring' });
          const timer = setTimeout(() => endWindow?.(), spec.durationMs);
          endWindow = () => {
            endWindow = null;
            clearTimeout(timer);
            load.measuring = false;
            const windowMs = performance.now() - windowStart;
            process.send?.({ type: 'window-end' });
            load.stop();
            resolve(recorder.result(windowMs));
          };
          if (stopEarly) endWindow();
        }, spec.warmupMs);
      }),
  };
}

driverMain(build);
