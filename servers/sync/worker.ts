// A pool thread: open its own database connection, then loop
//   accept() -> serve that connection to its end -> accept() ...
// blocking in the kernel the whole time. The thread leaves the loop when the listening socket
// is shut down (accept fails with EINVAL: the server is stopping) or when it has idled in
// accept() above the pool's floor for retireAfterMs while another thread also waits there; then
// it checkpoints and closes its database. Before its first accept() it runs its warm start
// (prewarm.ts) unless that is off.
import { performance } from 'node:perf_hooks';
import { parentPort, workerData } from 'node:worker_threads';
import type { Handler } from '../http/types.js';
import { createKvHandler } from '../kv/index.js';
import { connectionContext, serveConnection, type ConnectionContext } from './connection.js';
import { EAGAIN, ECONNABORTED, EINTR, EMFILE, ENFILE, acceptBacklogLength, errnoName, libc, threadCpuMs } from './libc.js';
import { prewarm } from './prewarm.js';
import { SharedState } from './shared-state.js';
import type { PrewarmResult, WorkerConfig, WorkerMessage } from './worker-protocol.js';

const config = workerData as WorkerConfig;
const port = parentPort!;
const post = (message: WorkerMessage) => port.postMessage(message);

interface App {
  handler: Handler;
  close(): void;
}

async function openApp(): Promise<App> {
  if (config.handlerModule) {
    const module = (await import(config.handlerModule)) as { createHandler(c: WorkerConfig): App };
    return module.createHandler(config);
  }
  const { handler, store } = createKvHandler(config.db, { synchronous: config.synchronous });
  return { handler, close: () => store.close() };
}

/** Sleeps this thread (used only to back off when out of file descriptors). */
function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Returns true when the thread retired (left the pool above the floor), false on stop. */
function acceptLoop(ctx: ConnectionContext): boolean {
  const c = libc();
  let idleSince = performance.now();
  let warnedNoFds = false;
  // Counted as waiting in accept() (SharedState) from here until accept() returns a connection
  // or the loop ends; tryRetire() takes a retiring thread off the count itself.
  ctx.shared.enterAccept();
  for (;;) {
    if (ctx.shared.stopping) {
      ctx.shared.leaveAccept();
      return false;
    }
    const fd = c.accept(config.listenFd, null, null);
    if (fd < 0) {
      const errno = c.errno();
      if (errno === EINTR || errno === ECONNABORTED) continue;
      if (errno === EAGAIN) {
        // The listening socket's SO_RCVTIMEO tick: the only time an idle thread wakes up, to
        // see whether it has been idle long enough to leave the pool.
        if (performance.now() - idleSince >= config.retireAfterMs && ctx.shared.tryRetire(config.floor)) return true;
        continue;
      }
      if (errno === EMFILE || errno === ENFILE) {
        // Out of descriptors: the connection stays in the backlog; try again shortly.
        if (!warnedNoFds) process.stderr.write(`sync server: accept() failed with ${errnoName(errno)}; backing off\n`);
        warnedNoFds = true;
        sleep(100);
        continue;
      }
      // EINVAL: close() shut the listening socket down. Anything else: nothing left to accept.
      ctx.shared.leaveAccept();
      return false;
    }
    ctx.shared.leaveAccept();
    post({ type: 'busy' });
    try {
      serveConnection(fd, ctx);
    } catch (error) {
      // A bug in the engine or routes ends this connection (already closed), not the thread.
      process.stderr.write(`sync server: connection failed: ${(error as Error).stack ?? error}\n`);
    }
    post({ type: 'idle' });
    idleSince = performance.now();
    ctx.shared.enterAccept();
  }
}

/** The warm start (prewarm.ts), stopped early when a connection waits in the accept backlog:
 *  a client that needs this thread now is served cold rather than kept waiting. A failure only
 *  costs the warm-up, never the thread. */
function warmStart(budget: NonNullable<WorkerConfig['prewarm']>): PrewarmResult | undefined {
  try {
    const result = prewarm(config.limits, budget, threadCpuMs, () => acceptBacklogLength(config.listenFd) > 0, {
      requestTimeoutMs: config.requestTimeoutMs,
      idleTimeoutMs: config.idleTimeoutMs,
    });
    if (result.unexpected > 0) {
      process.stderr.write(
        `sync server: warm start: ${result.unexpected} of ${result.requests} synthetic requests got an unexpected status (it warmed the wrong paths)\n`,
      );
    }
    return result;
  } catch (error) {
    process.stderr.write(`sync server: warm start failed (the thread serves cold): ${(error as Error).message}\n`);
    return undefined;
  }
}

async function main(): Promise<void> {
  let app: App;
  try {
    app = await openApp();
  } catch (error) {
    const [firstLine = ''] = (error as Error).message.split('\n');
    post({ type: 'failed', message: firstLine });
    return;
  }
  const warm = config.prewarm ? warmStart(config.prewarm) : undefined;
  post(warm ? { type: 'ready', prewarm: warm } : { type: 'ready' });
  const ctx: ConnectionContext = connectionContext({
    handler: app.handler,
    limits: config.limits,
    requestTimeoutMs: config.requestTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    shared: new SharedState(config.shared),
    slot: config.slot,
    readBuffer: Buffer.allocUnsafe(64 * 1024),
  });
  let retired = false;
  try {
    retired = acceptLoop(ctx);
  } finally {
    // Checkpoint and close this thread's connection (every acknowledged write is committed).
    app.close();
  }
  if (retired) post({ type: 'retired' });
  post({ type: 'closed' });
}

await main();
