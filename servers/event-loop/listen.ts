// Binding a listening socket with startup errors a user can act on (one line each), shared by
// the node:net-based servers (async, reference, floor).
import type { Server } from 'node:net';
import { StartupError } from '../options.js';
import { explainListenError } from '../listen-error.js';
import { LISTEN_BACKLOG } from '../socket-lifecycle.js';

/** Listens and resolves with the real port (useful with port 0), or rejects with a StartupError. */
export function listenOrExplain(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      server.off('listening', onListening);
      reject(new StartupError(explainListenError(err.code, host, port, err.message)));
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
