// `mkvss-lab serve <kind>`: parse flags into ServerOptions, start the server module, print the
// ready line, and turn SIGINT/SIGTERM into a graceful stop. Every server kind shares this, so
// they all have the same CLI shape, ready line and exit codes.
import cluster from 'node:cluster';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEFAULT_SERVER_OPTIONS as D,
  SERVER_KINDS,
  StartupError,
  type ServerKind,
  type ServerOptions,
  type StartServer,
} from '../servers/options.js';

function integer(name: string, min: number, max: number) {
  return (raw: string): number => {
    if (!/^\d+$/.test(raw)) throw new InvalidArgumentError(`${name} must be a whole number, got "${raw}".`);
    const n = Number(raw);
    if (n < min || n > max) throw new InvalidArgumentError(`${name} must be between ${min} and ${max}, got ${n}.`);
    return n;
  };
}

/** Sizes such as 1048576, 512k, 1m (binary units). */
export function parseSize(raw: string): number {
  const m = /^(\d+)\s*([kmg]i?b?|b)?$/i.exec(raw.trim());
  if (!m) throw new InvalidArgumentError(`"${raw}" is not a size (use bytes, or a number with k, m or g, e.g. 1m).`);
  const unit = (m[2] ?? 'b')[0]!.toLowerCase();
  const mult = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  const n = Number(m[1]) * mult;
  if (n < 1) throw new InvalidArgumentError(`size must be at least 1 byte, got "${raw}".`);
  return n;
}

/** Durations such as 500ms, 10s, 2m, or plain milliseconds. */
export function parseDurationMs(raw: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(raw.trim());
  if (!m) throw new InvalidArgumentError(`"${raw}" is not a duration (use e.g. 500ms, 10s or 2m).`);
  const n = Number(m[1]);
  const ms = m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
  if (ms <= 0) throw new InvalidArgumentError(`duration must be above zero, got "${raw}".`);
  return Math.round(ms);
}

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run one server in the foreground until SIGINT/SIGTERM.')
    .addArgument(new Command().createArgument('<kind>', `server kind: ${SERVER_KINDS.join(', ')}`).choices(SERVER_KINDS))
    .option('--host <host>', 'address to listen on', D.host)
    .option('--port <port>', 'port to listen on (0 picks a free one)', integer('--port', 0, 65535), D.port)
    .option('--db <file>', 'SQLite database file (created when missing)', D.db)
    .addOption(new Option('--synchronous <mode>', 'SQLite synchronous mode').choices(['NORMAL', 'FULL']).default(D.synchronous))
    .option('--workers <n>', 'async/reference: event-loop processes on the same port (node:cluster)', integer('--workers', 1, 256), D.workers)
    .option('--threads <n>', 'sync: threads started up front', integer('--threads', 1, 4096), D.threads)
    .option('--max-threads <n>', 'sync: thread cap; past it connections wait in the accept backlog', integer('--max-threads', 1, 4096), D.maxThreads)
    .option('--no-prewarm', 'sync: no warm start; shows the cold model: each V8 isolate JIT-compiles on its own share of traffic')
    .option('--max-body <size>', 'largest request body (413 past it), e.g. 1m', parseSize, D.limits.maxBodyBytes)
    .option('--max-header-bytes <size>', 'largest header section (431 past it)', parseSize, D.limits.maxHeaderBytes)
    .option('--max-headers <n>', 'most header fields (431 past it)', integer('--max-headers', 1, 10_000), D.limits.maxHeaderCount)
    .option('--max-request-line <size>', 'longest request line (414 past it)', parseSize, D.limits.maxRequestLineBytes)
    .option('--request-timeout <duration>', 'time to send a whole request head (408 past it)', parseDurationMs, D.requestTimeoutMs)
    .option('--idle-timeout <duration>', 'idle keep-alive connections close after this', parseDurationMs, D.idleTimeoutMs)
    .option('--max-connections <n>', 'async: most open connections', integer('--max-connections', 1, 1_000_000), D.maxConnections)
    .action(async (kind: ServerKind, o) => {
      if (o.threads > o.maxThreads) {
        process.stderr.write(`error: --threads (${o.threads}) must not exceed --max-threads (${o.maxThreads}).\n`);
        process.exit(2);
      }
      const options: ServerOptions = {
        host: o.host,
        port: o.port,
        db: o.db,
        synchronous: o.synchronous,
        workers: o.workers,
        threads: o.threads,
        maxThreads: o.maxThreads,
        prewarm: o.prewarm,
        limits: {
          maxBodyBytes: o.maxBody,
          maxHeaderBytes: o.maxHeaderBytes,
          maxHeaderCount: o.maxHeaders,
          maxRequestLineBytes: o.maxRequestLine,
        },
        requestTimeoutMs: o.requestTimeout,
        idleTimeoutMs: o.idleTimeout,
        maxConnections: o.maxConnections,
      };
      await runServer(kind, options);
    });
}

async function runServer(kind: ServerKind, options: ServerOptions): Promise<void> {
  const { start } = (await import(`../servers/${kind}/server.js`)) as { start: StartServer };
  let server;
  try {
    server = await start(options);
  } catch (err) {
    const msg = err instanceof StartupError ? err.message : `could not start the ${kind} server: ${(err as Error).message}`;
    process.stderr.write(`error: ${msg}\n`);
    process.exit(1);
  }
  // cluster workers return a server too, but only the primary prints the ready line.
  if (cluster.isPrimary) process.stdout.write(`listening on http://${options.host}:${server.port}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // A hard deadline: a graceful stop that hangs still ends, and says so.
    const deadline = setTimeout(() => {
      process.stderr.write(`error: graceful stop after ${signal} took over 10 s; exiting\n`);
      process.exit(1);
    }, 10_000);
    deadline.unref();
    server.close().then(
      () => process.exit(0),
      (err: Error) => {
        process.stderr.write(`error: stopping the ${kind} server failed: ${err.message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
