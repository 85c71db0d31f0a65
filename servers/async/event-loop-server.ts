// One event loop serving every connection: a node:net server whose sockets each drive an
// HttpSession, the key-value handler called inline (better-sqlite3 answers in microseconds, so
// a thread hop would cost more than the query), and one coarse timer sweeping all connections
// for request and idle timeouts.
import net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { RunningServer, ServerOptions } from '../options.js';
import { Connection } from './connection.js';
import { listenOrExplain } from '../event-loop/listen.js';
import { openKvOrExplain } from '../event-loop/open-kv.js';
import { sweepIntervalMs } from '../event-loop/sweep-interval.js';
import { LINGER_MS, SHUTDOWN_GRACE_MS } from '../socket-lifecycle.js';

export async function startEventLoop(options: ServerOptions): Promise<RunningServer> {
  const kv = openKvOrExplain(options);
  const connections = new Set<Connection>();
  const clock = () => performance.now();

  const server = net.createServer({ noDelay: true }, (socket) => {
    const connection = new Connection(socket, kv.handler, options.limits, clock);
    connections.add(connection);
    socket.once('close', () => connections.delete(connection));
  });
  // The connection cap: past it Node closes each new connection right after accept, before any
  // JavaScript object is made for it. Refusing fast beats leaving clients queued in the backlog
  // with no answer (documented in docs/ASYNC.md).
  server.maxConnections = options.maxConnections;

  const sweep = () => {
    const now = clock();
    for (const c of connections) {
      if (c.closing) {
        if (now - c.closingSince > LINGER_MS) c.socket.destroy();
        continue;
      }
      const phase = c.session.phase;
      const limit = phase === 'receiving' ? options.requestTimeoutMs : options.idleTimeoutMs;
      if (now - c.phaseSince > limit) c.expire();
    }
  };
  const sweeper = setInterval(sweep, sweepIntervalMs(options));
  sweeper.unref();

  let port: number;
  try {
    port = await listenOrExplain(server, options.host, options.port);
  } catch (err) {
    clearInterval(sweeper);
    kv.store.close();
    throw err;
  }

  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      // 1. Stop accepting. 2. Idle connections close now; busy ones right after their response.
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const c of connections) c.drain();
      // 3. Give in-flight requests a bounded time, then cut whatever is left.
      const deadline = performance.now() + SHUTDOWN_GRACE_MS;
      while (connections.size > 0 && performance.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
        for (const c of connections) c.drain(); // connections that became idle since
      }
      for (const c of connections) c.socket.destroy();
      await stopped;
      clearInterval(sweeper);
      // 4. Every acknowledged write is committed already; closing checkpoints the WAL.
      kv.store.close();
    })();
    return closed;
  };

  return { port, close };
}
