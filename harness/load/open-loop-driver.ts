// Open-loop load driver (a child process of the harness), for `--rate`: requests are offered at a
// constant rate whatever the server does, and each latency is measured from the request's
// intended send time (request i of this shard is due at t0 + i / rate), as wrk2 does. A server
// that stalls therefore pays for every request that should have gone out during the stall,
// instead of the stall hiding behind a loop that politely waited (coordinated omission).
//
// autocannon cannot do this: its overallRate spreads a per-connection budget over each second and
// measures from the actual send, and its CO correction (recordValueWithExpectedInterval) works in
// whole milliseconds. So this is a small node:net client over pre-built request bytes with a
// minimal response parser (status line + Content-Length, which every server here sends).
import net from 'node:net';
import type { DriverSpec, ShardResult } from './driver-protocol.js';
import { driverMain, WindowRecorder } from './window-recorder.js';
import { seededRandom } from '../analysis/bootstrap.js';
import { buildRequests, cannedExpectations, listLength, requestBytes, type PlannedRequest } from './workloads.js';
import { parseResponses } from './response-parser.js';

interface Pending {
  request: PlannedRequest;
  intendedMs: number;
  inWindow: boolean;
}

function build(spec: DriverSpec): () => Promise<ShardResult> {
  const rate = spec.rate!;
  const host = `${spec.host}:${spec.port}`;
  const length = listLength(spec.connections);
  const lists = Array.from({ length: spec.connections }, (_, c) => {
    const random = seededRandom(spec.seed * 7919 + spec.shard * 104_729 + c);
    const built = buildRequests({ workload: spec.workload, keys: spec.keys, valueSize: spec.valueSize, length, connectionTag: `${spec.shard}-${c}`, random });
    const planned = spec.cannedOk ? cannedExpectations(built) : built;
    return planned.map((request) => ({ request, bytes: requestBytes(request, host) }));
  });

  return () =>
    new Promise((resolve) => {
      const recorder = new WindowRecorder();
      const t0 = performance.now();
      const windowStart = t0 + spec.warmupMs;
      const windowEnd = windowStart + spec.durationMs;
      let measuringSent = false;
      let stopped = false;

      interface Conn {
        socket: net.Socket | null;
        inFlight: Pending[];
        backlog: Pending[];
        cursor: number;
        buffered: Buffer;
      }
      const conns: Conn[] = lists.map(() => ({ socket: null, inFlight: [], backlog: [], cursor: 0, buffered: Buffer.alloc(0) }));

      const fail = (conn: Conn, kind: 'connection' | 'timeout', message?: string) => {
        // Sent but unanswered: the server may have committed these writes.
        for (const p of conn.inFlight) recorder.uncertain(p.request);
        for (const p of [...conn.inFlight, ...conn.backlog]) if (p.inWindow) recorder.failure(kind, message);
        conn.inFlight = [];
        conn.backlog = [];
      };

      const pump = (conn: Conn, index: number) => {
        if (!conn.socket || conn.socket.connecting) return;
        while (conn.backlog.length > 0 && conn.inFlight.length < spec.pipelining) {
          const p = conn.backlog.shift()!;
          conn.inFlight.push(p);
          conn.socket.write(lists[index]![conn.cursor++ % lists[index]!.length]!.bytes);
        }
      };

      const connect = (conn: Conn, index: number) => {
        const socket = net.connect(spec.port, spec.host);
        socket.setNoDelay(true);
        conn.socket = socket;
        conn.buffered = Buffer.alloc(0);
        socket.on('connect', () => pump(conn, index));
        socket.on('data', (chunk: Buffer) => {
          const now = performance.now();
          conn.buffered = conn.buffered.length ? Buffer.concat([conn.buffered, chunk]) : chunk;
          const [statuses, used] = parseResponses(conn.buffered);
          conn.buffered = conn.buffered.subarray(used);
          for (const status of statuses) {
            const p = conn.inFlight.shift();
            if (!p) break;
            if (status >= 0) recorder.acknowledge(p.request, status);
            if (!p.inWindow) continue;
            if (status < 0) recorder.failure('other', 'response without Content-Length');
            else {
              recorder.status(p.request, status);
              recorder.latency((now - p.intendedMs) * 1000);
            }
          }
          pump(conn, index);
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          if (conn.socket !== socket) return;
          conn.socket = null;
          // Requests on a dropped connection are lost; the list position moves past them so the
          // crud cycle stays aligned with what was actually sent.
          fail(conn, 'connection');
          if (!stopped) setTimeout(() => connect(conn, index), 10);
        });
      };
      conns.forEach((c, i) => {
        connect(c, i);
      });

      // The schedule: request i is due at t0 + i / rate. A coarse timer releases every request that
      // is due; lateness of the timer is charged to latency, because latency counts from the due time.
      let next = 0;
      const intervalMs = 1000 / rate;
      const tick = () => {
        const now = performance.now();
        if (!measuringSent && now >= windowStart) {
          measuringSent = true;
          process.send?.({ type: 'measuring' });
        }
        while (!stopped) {
          const due = t0 + next * intervalMs;
          if (due > now || due >= windowEnd) break;
          const index = next % conns.length;
          const conn = conns[index]!;
          conn.backlog.push({ request: lists[index]![(conn.cursor + conn.inFlight.length + conn.backlog.length) % lists[index]!.length]!.request, intendedMs: due, inWindow: due >= windowStart });
          next++;
          pump(conn, index);
        }
        if (now >= windowEnd) return finish();
        setTimeout(tick, 1);
      };

      const finish = () => {
        process.send?.({ type: 'window-end' });
        // Requests due inside the window still get a grace period to complete; what is left
        // after it is a timeout, counted like any other failure.
        const grace = Math.min(spec.timeoutMs, 2000);
        const deadline = performance.now() + grace;
        const wait = () => {
          const pending = conns.some((c) => [...c.inFlight, ...c.backlog].some((p) => p.inWindow));
          if (pending && performance.now() < deadline) return void setTimeout(wait, 5);
          stopped = true;
          for (const c of conns) {
            fail(c, 'timeout');
            c.socket?.destroy();
          }
          resolve(recorder.result(spec.durationMs));
        };
        wait();
      };
      setTimeout(tick, 0);
    });
}

driverMain(build);
