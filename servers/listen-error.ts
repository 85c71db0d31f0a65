// Why a server could not listen, as one line the user can act on: the same words for every server.
// The node:net servers (servers/event-loop/listen.ts) get Node's error code, the sync server a libc
// errno, which it turns into the same name (sync/libc.ts errnoName), so both key on the name here.
import { urlHost } from './ready-line.js';

/**
 * `code` is the errno name ('EADDRINUSE', ...) or undefined; `detail` is what to say for any
 * other failure (Node's message, or the failed syscall).
 */
export function explainListenError(code: string | undefined, host: string, port: number, detail: string): string {
  const where = `${urlHost(host)}:${port}`; // [::1]:8080, not the ambiguous ::1:8080
  switch (code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use (EADDRINUSE); pick another with --port, or 0 for any free port`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied (EACCES); ports below 1024 need privileges`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${host} is not an address of this machine (EADDRNOTAVAIL); check --host`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host "${host}" (${code}); check --host`;
    default:
      return `cannot listen on ${where}: ${detail}`;
  }
}
