// The floor (`mkvss-lab serve floor`): node:net answering every request with the same canned
// 200, no database, no parsing beyond finding where each request ends (so pipelining is
// counted right). Whatever this reaches is the ceiling of this machine and load driver; the
// harness divides the other servers' figures by it.
import net from 'node:net';
import { cannedOk } from './canned-ok.js';
import { RequestBoundaryScanner } from './request-boundary.js';
import type { RunningServer, StartServer } from '../options.js';
import { listenOrExplain } from '../event-loop/listen.js';
import { SHUTDOWN_GRACE_MS } from '../socket-lifecycle.js';

export const start: StartServer = async (options): Promise<RunningServer> => {
  const ok = cannedOk();
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const scanner = new RequestBoundaryScanner();
    socket.on('data', (chunk: Buffer) => {
      const completed = scanner.feed(chunk);
      if (completed === 1) socket.write(ok);
      else if (completed > 1) socket.write(Buffer.concat(Array<Buffer>(completed).fill(ok)));
    });
  });
  server.maxConnections = options.maxConnections;
  const port = await listenOrExplain(server, options.host, options.port);
  let closed: Promise<void> | undefined;
  return {
    port,
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.end(); // nothing is ever in flight beyond one write
        setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, SHUTDOWN_GRACE_MS).unref();
      })),
  };
};
