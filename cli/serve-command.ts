// `mkvss-lab serve <kind>`: parse flags into ServerOptions, start the server module, print the
// ready line, and turn SIGINT/SIGTERM into a graceful stop. Every server kind shares this, so
// they all have the same CLI shape, ready line and exit codes.
import cluster from 'node:cluster';
import { Command, Option } from 'commander';
import { DEFAULT_SERVER_OPTIONS as D, StartupError, type ServerOptions, type StartServer } from '../servers/options.js';
import { formatReadyLine } from '../servers/ready-line.js';
import { SERVER_KINDS, type ServerKind } from '../servers/server-kinds.js';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE } from '../harness/exit-codes.js';
import { duration, formatDuration, formatSize, size, wholeNumber } from './flags.js';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('Run one server in the foreground until SIGINT/SIGTERM.')
    .addArgument(new Command().createArgument('<kind>', `server kind: ${SERVER_KINDS.join(', ')}`).choices(SERVER_KINDS))
    .option('--host <host>', 'address to listen on', D.host)
    .option('--port <port>', 'port to listen on (0 picks a free one)', wholeNumber('--port', 0, 65535), D.port)
    .option('--db <file>', 'SQLite database file (created when missing)', D.db)
    .addOption(new Option('--synchronous <mode>', 'SQLite synchronous mode').choices(['NORMAL', 'FULL']).default(D.synchronous))
    .option(
      '--workers <n>',
      'async/reference: event-loop processes on the same port (node:cluster)',
      wholeNumber('--workers', 1, 256),
      D.workers,
    )
    .option('--threads <n>', 'sync: threads started up front', wholeNumber('--threads', 1, 4096), D.threads)
    .option(
      '--max-threads <n>',
      'sync: thread cap; past it connections wait in the accept backlog',
      wholeNumber('--max-threads', 1, 4096),
      D.maxThreads,
    )
    .option('--no-prewarm', 'sync: no warm start; shows the cold model: each V8 isolate JIT-compiles on its own share of traffic')
    .addOption(
      new Option('--max-body <size>', 'largest request body (413 past it), e.g. 1m')
        .argParser(size('--max-body'))
        .default(D.limits.maxBodyBytes, formatSize(D.limits.maxBodyBytes)),
    )
    .addOption(
      new Option('--max-header-bytes <size>', 'largest header section (431 past it)')
        .argParser(size('--max-header-bytes'))
        .default(D.limits.maxHeaderBytes, formatSize(D.limits.maxHeaderBytes)),
    )
    .option('--max-headers <n>', 'most header fields (431 past it)', wholeNumber('--max-headers', 1, 10_000), D.limits.maxHeaderCount)
    .addOption(
      new Option('--max-request-line <size>', 'longest request line (414 past it)')
        .argParser(size('--max-request-line'))
        .default(D.limits.maxRequestLineBytes, formatSize(D.limits.maxRequestLineBytes)),
    )
    .addOption(
      new Option('--request-timeout <duration>', 'time to send a whole request head (408 past it)')
        .argParser(duration('--request-timeout', { maxMs: 24 * 3_600_000 }))
        .default(D.requestTimeoutMs, formatDuration(D.requestTimeoutMs)),
    )
    .addOption(
      new Option('--idle-timeout <duration>', 'idle keep-alive connections close after this')
        .argParser(duration('--idle-timeout', { maxMs: 24 * 3_600_000 }))
        .default(D.idleTimeoutMs, formatDuration(D.idleTimeoutMs)),
    )
    .option('--max-connections <n>', 'async: most open connections', wholeNumber('--max-connections', 1, 1_000_000), D.maxConnections)
    .action(async (kind: ServerKind, o) => {
      if (o.threads > o.maxThreads) {
        process.stderr.write(`error: --threads (${o.threads}) must not exceed --max-threads (${o.maxThreads}).\n`);
        process.exit(EXIT_USAGE);
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
    process.exit(EXIT_FAILURE);
  }
  // cluster workers return a server too, but only the primary prints the ready line.
  if (cluster.isPrimary) process.stdout.write(`${formatReadyLine(options.host, server.port)}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    // A hard deadline: a graceful stop that hangs still ends, and says so.
    const deadline = setTimeout(() => {
      process.stderr.write(`error: graceful stop after ${signal} took over 10 s; exiting\n`);
      process.exit(EXIT_FAILURE);
    }, 10_000);
    deadline.unref();
    server.close().then(
      () => process.exit(EXIT_OK),
      (err: Error) => {
        process.stderr.write(`error: stopping the ${kind} server failed: ${err.message}\n`);
        process.exit(EXIT_FAILURE);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A server that gave up on its own (cluster workers crashing in a loop) has stopped already.
  void server.failed?.then((reason) => {
    if (stopping) return; // a signal's graceful stop is under way and will exit
    stopping = true;
    process.stderr.write(`error: ${reason.message}\n`);
    process.exit(EXIT_FAILURE);
  });
}
