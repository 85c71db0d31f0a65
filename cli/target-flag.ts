// `compare --target NAME=http://HOST:PORT` (repeatable): a server that already runs elsewhere.
// Parsed here into a RemoteTarget; every problem is one InvalidArgumentError saying the fix
// (commander prints it as one `error:` line and the CLI exits 2).
import { InvalidArgumentError } from 'commander';
import type { RemoteTarget } from '../harness/run/settings.js';

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;
const EXAMPLE = 'e.g. --target mine=http://127.0.0.1:8080';

/** One `NAME=http://HOST:PORT`. */
export function parseTarget(raw: string): RemoteTarget {
  const eq = raw.indexOf('=');
  if (eq < 0) throw new InvalidArgumentError(`--target is NAME=http://HOST:PORT, got "${raw}" (${EXAMPLE}).`);
  const name = raw.slice(0, eq).trim();
  const text = raw.slice(eq + 1).trim();
  if (!NAME.test(name))
    throw new InvalidArgumentError(
      `--target name "${name}" must be 1-40 lowercase letters, digits or dashes, starting with a letter or digit (${EXAMPLE}).`,
    );
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new InvalidArgumentError(`--target ${name}: "${text}" is not a URL; write http://HOST:PORT (${EXAMPLE}).`);
  }
  if (url.protocol !== 'http:')
    throw new InvalidArgumentError(
      `--target ${name}: only plain http:// is measured (the servers speak HTTP/1.1 without TLS), got ${url.protocol}//; write http://HOST:PORT.`,
    );
  // URL drops a port equal to the scheme's default (80); the text must still name one explicitly.
  const explicitPort = /^http:\/\/(\[[^\]]*\]|[^/:?#]*):(\d+)(\/)?$/i.exec(text);
  if (!explicitPort) {
    if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      throw new InvalidArgumentError(
        `--target ${name}: give the server's root only, http://HOST:PORT, without a path, query or credentials (got "${text}").`,
      );
    }
    throw new InvalidArgumentError(
      `--target ${name}: "${text}" has no port; write http://HOST:PORT, e.g. http://${url.hostname || '127.0.0.1'}:8080.`,
    );
  }
  const port = Number(explicitPort[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new InvalidArgumentError(`--target ${name}: port ${explicitPort[2]} is out of range; use 1-65535.`);
  // node:net wants an IPv6 address without its brackets.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (host === '') throw new InvalidArgumentError(`--target ${name}: "${text}" has no host; write http://HOST:PORT.`);
  return { name, url: `http://${url.hostname}:${port}`, host, port };
}

/** commander's collector for the repeatable flag: each target once by name. */
export function collectTarget(raw: string, previous: RemoteTarget[] | undefined): RemoteTarget[] {
  const target = parseTarget(raw);
  const list = previous ?? [];
  if (list.some((t) => t.name === target.name))
    throw new InvalidArgumentError(`--target name "${target.name}" is given twice; give each target its own name.`);
  return [...list, target];
}
