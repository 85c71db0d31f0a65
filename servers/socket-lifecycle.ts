// The rules of a socket's life that every server follows alike (sync, async, reference, floor),
// so that a difference in the figures is the I/O model's and not a different setting.

/**
 * The listen() backlog: how many completed handshakes wait for accept(). One value for every
 * server; it was 1024 for the node:net servers and 4096 for sync, which gave sync a four times
 * deeper queue under a connection burst. The kernel caps it at net.core.somaxconn (4096 on
 * Linux since 5.4, and on this project's VM), so 4096 asks for all the kernel allows there and
 * nothing a default kernel would cut silently.
 */
export const LISTEN_BACKLOG = 4096;

/** After our FIN, how long a closing connection keeps reading (and discarding) what the client
 *  still sends before it is cut: closing with unread input makes the kernel send RST, which can
 *  destroy the last response (a 413 sent before the body) before the client reads it. */
export const LINGER_MS = 2_000;

/** On a graceful stop, how long requests in flight get to finish before their connections are
 *  cut. */
export const SHUTDOWN_GRACE_MS = 3_000;
