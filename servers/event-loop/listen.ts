// Binding a listening socket with startup errors a user can act on (one line each), shared by
// the node:net-based servers (async, reference, floor).
import type { Server } from 'node:net';
import { StartupError } from '../options.js';
import { urlHost } from '../ready-line.js';
import { LISTEN_BACKLOG } from '../socket-lifecycle.js';

/** Listens and resolves with the real port (useful with port 0), or rejects with a StartupError. */
export function listenOrExplain(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new StartupError(explainListenError(err, host, port)));
    };
    const onListening = () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, backlog: LISTEN_BACKLOG });
  });
}

export function explainListenError(err: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `${urlHost(host)}:${port}`; // [::1]:8080, not the ambiguous ::1:8080
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} on ${host} is already in use (pick another with --port, or 0 for any free port)`;
    case 'EACCES':
      return `permission denied to listen on ${where} (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `address ${host} is not available on this machine (check --host)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host "${host}" (check --host)`;
    default:
      return `cannot listen on ${where}: ${err.message}`;
  }
}
