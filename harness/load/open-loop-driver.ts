// Open-loop load driver (a child process of the harness), for `--rate`: requests are offered at a
// constant rate whatever the server does, and each latency is measured from the request's
// intended send time (request i of this shard is due at t0 + i / rate), as wrk2 does. A server
// that stalls therefore pays for every request that should have gone out during the stall,
// instead of the stall hiding behind a loop that politely waited (coordinated omission).
//
// No request due in the window leaves the figures: one unanswered `timeoutMs` after its due time
// is a timeout recorded with its age as latency, and so is one still unanswered when the driver
// stops waiting after the window. How late the schedule releases requests (the send lag) and the
// event-loop delay go to the verdict: they show the driver itself falling behind.
//
// autocannon cannot do this: its overallRate spreads a per-connection budget over each second and
// measures from the actual send, and its CO correction (recordValueWithExpectedInterval) works in
// whole milliseconds. So this is a small node:net client over pre-built request bytes with a
// minimal response parser (status line + Content-Length, which every server here sends).
import net from 'node:net';
import type { DriverSpec, ShardResult } from './driver-protocol.js';
import { driverMain, WindowRecorder } from './window-recorder.js';
import { connectionLists } from './connection-lists.js';
import { requestBytes, type PlannedRequest } from './workloads.js';
import { ResponseFramer } from './response-framer.js';

interface Pending {
  /** The request this slot will write: chosen when it is scheduled, so the status it is checked
   *  against is always that of the bytes actually sent for it. */
  request: PlannedRequest;
  bytes: Buffer;
  intendedMs: number;
  inWindow: boolean;
  /** Answered, or lost with its connection. */
  done: boolean;
  /** Counted as a timeout already (its answer, if it comes, only updates the rows ledger). */
  timedOut: boolean;
}

function build(spec: DriverSpec): () => Promise<ShardResult> {
  const rate = spec.rate!;
  const host = `${spec.host}:${spec.port}`;
  const lists = connectionLists(spec).map((list) => list.map((request) => ({ request, bytes: requestBytes(request, host) })));

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
        /** Requests scheduled on this connection so far: the next one takes list entry `scheduled`. */
        scheduled: number;
        /** Where each response ends (the same framing as the closed-loop net driver's). */
        framer: ResponseFramer;
      }
      const conns: Conn[] = lists.map(() => ({ socket: null, inFlight: [], backlog: [], scheduled: 0, framer: new ResponseFramer() }));

      // Every request due in the window, in due order, until it is answered, lost or timed out:
      // the per-request timeout walks it from `watchHead` (each request is passed over once).
      const watch: Pending[] = [];
      let watchHead = 0;
      /** Requests due in the window and unanswered `timeoutMs` after their due time (or, with
       *  `all`, unanswered at all) become timeouts, recorded with their age as latency: a request
       *  that never got an answer is at least that slow, and is never dropped from the figures. */
      const expire = (now: number, all = false) => {
        while (watchHead < watch.length) {
          const p = watch[watchHead]!; // invariant: watchHead < watch.length (the loop's condition)
          const age = now - p.intendedMs;
          if (!all && !p.done && !p.timedOut && age < spec.timeoutMs) break;
          if (!p.done && !p.timedOut) {
            p.timedOut = true;
            recorder.failure('timeout');
            recorder.latency(age * 1000);
          }
          watchHead++;
        }
        if (watchHead > 4096 && watchHead * 2 > watch.length) {
          watch.splice(0, watchHead);
          watchHead = 0;
        }
      };

      const fail = (conn: Conn) => {
        // Sent but unanswered: the server may have committed these writes.
        for (const p of conn.inFlight) recorder.uncertain(p.request);
        for (const p of [...conn.inFlight, ...conn.backlog]) {
          if (p.inWindow && !p.done && !p.timedOut) recorder.failure('connection');
          p.done = true;
        }
        conn.inFlight = [];
        conn.backlog = [];
      };

      const pump = (conn: Conn) => {
        if (!conn.socket || conn.socket.connecting) return;
        while (conn.backlog.length > 0 && conn.inFlight.length < spec.pipelining) {
          const p = conn.backlog.shift()!;
          conn.inFlight.push(p);
          conn.socket.write(p.bytes);
        }
      };

      const connect = (conn: Conn, index: number) => {
        const socket = net.connect(spec.port, spec.host);
        socket.setNoDelay(true);
        conn.socket = socket;
        conn.framer.reset();
        // One sink per connection: `now` is the arrival time of the read being framed.
        let now = 0;
        const answered = (status: number) => {
          const p = conn.inFlight.shift();
          if (!p) return;
          p.done = true;
          recorder.acknowledge(p.request, status);
          if (!p.inWindow || p.timedOut) return;
          recorder.status(p.request, status);
          recorder.latency((now - p.intendedMs) * 1000);
        };
        socket.on('connect', () => pump(conn));
        socket.on('data', (chunk: Buffer) => {
          now = performance.now();
          if (!conn.framer.push(chunk, chunk.length, answered)) {
            // A response it cannot frame: that request fails; the rest of the read is not trusted.
            const p = conn.inFlight.shift();
            if (p) {
              p.done = true;
              if (p.inWindow && !p.timedOut) recorder.failure('other', conn.framer.error ?? 'unframeable response');
            }
            conn.framer.reset();
          }
          pump(conn);
        });
        socket.on('error', () => {});
        socket.on('close', () => {
          if (conn.socket !== socket) return;
          conn.socket = null;
          // Requests on a dropped connection are lost (counted as connection errors); the next
          // scheduled request takes the next list entry.
          fail(conn);
          if (!stopped) setTimeout(() => connect(conn, index), 10);
        });
      };
      conns.forEach((c, i) => {
        connect(c, i);
      });

      // The schedule: request i is due at t0 + i / rate. A coarse timer releases every request that
      // is due; lateness of the timer is charged to latency, because latency counts from the due time,
      // and recorded as the send lag (the driver falling behind shows there first).
      let next = 0;
      const intervalMs = 1000 / rate;
      const tick = () => {
        const now = performance.now();
        if (!measuringSent && now >= windowStart) {
          measuringSent = true;
          recorder.windowStart();
          process.send?.({ type: 'measuring' });
        }
        while (!stopped) {
          const due = t0 + next * intervalMs;
          if (due > now || due >= windowEnd) break;
          const index = next % conns.length;
          // invariant (per request, the hot path): conns and lists have one entry per connection,
          // index < conns.length, and a connection's list is never empty (listLength >= 64).
          const conn = conns[index]!;
          const entry = lists[index]![conn.scheduled++ % lists[index]!.length]!;
          const p: Pending = {
            request: entry.request,
            bytes: entry.bytes,
            intendedMs: due,
            inWindow: due >= windowStart,
            done: false,
            timedOut: false,
          };
          conn.backlog.push(p);
          if (p.inWindow) {
            watch.push(p);
            recorder.sendLag(now - due);
          }
          next++;
          pump(conn);
        }
        expire(now);
        if (now >= windowEnd) return finish();
        setTimeout(tick, 1);
      };

      const finish = () => {
        recorder.windowEnd();
        process.send?.({ type: 'window-end' });
        // Requests due inside the window get up to min(timeout, 2 s) more to be answered (the
        // timeout still applies); whatever is unanswered then is a timeout with its age as latency.
        const grace = Math.min(spec.timeoutMs, 2000);
        const deadline = performance.now() + grace;
        const wait = () => {
          const now = performance.now();
          expire(now);
          if (watchHead < watch.length && now < deadline) return void setTimeout(wait, 5);
          stopped = true;
          expire(now, true);
          for (const c of conns) {
            fail(c);
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
