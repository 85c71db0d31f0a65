// The ready line: the one line every server process prints on stdout once it accepts
// connections, `listening on http://HOST:PORT`. Whoever starts a server (a script, the tests, the
// harness) waits for it and reads the port from it, so the format lives here, with its parser.
import net from 'node:net';

const PREFIX = 'listening on http://';

/** The host as it goes in a URL: an IPv6 address in brackets (`[::1]`), anything else as is. */
export function urlHost(host: string): string {
  return net.isIPv6(host) ? `[${host}]` : host;
}

/** `listening on http://HOST:PORT` (no newline): the URL is usable as printed, IPv6 included. */
export function formatReadyLine(host: string, port: number): string {
  return `${PREFIX}${urlHost(host)}:${port}`;
}

// A bracketed IPv6 address, or a host name / IPv4 address (no colon, no space, no bracket),
// then the port; the line must be complete (newline-terminated), so that a port split across two
// reads of a pipe is never taken half-read ("80" of "8080").
const READY_LINE = /^listening on http:\/\/(?:\[([^\]\s]+)\]|([^\s:/[\]]+)):(\d{1,5})\r?\n/m;

/**
 * Finds the ready line in a process's stdout as it has arrived so far. Returns the host (IPv6
 * without brackets, ready for net.connect) and the port, or null while no complete ready line
 * is there.
 */
export function parseReadyLine(text: string): { host: string; port: number } | null {
  const m = READY_LINE.exec(text);
  if (m === null) return null;
  const host = m[1] ?? m[2];
  const port = Number(m[3]);
  if (host === undefined || port > 65_535) return null;
  return { host, port };
}
