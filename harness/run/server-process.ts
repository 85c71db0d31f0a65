// Starting and stopping one server under test as a child process: `mkvss-lab serve <kind>` on a
// free port, started on every CPU of the plan and moved onto the servers' CPUs once it prints its
// listening line and /health answers 200 (pinning.ts says why); stopped with SIGTERM and expected
// to exit 0 (its graceful stop).
import { parseReadyLine } from '../../servers/ready-line.js';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import type { ServerName } from '../schema/report-schema.js';
import { moveServer, pinnedCommand, type ServerPlacement } from '../system/pinning.js';

const CLI = fileURLToPath(new URL('../../cli/mkvss-lab.js', import.meta.url));
const STDERR_TAIL = 4000;

export interface RunningChild {
  server: ServerName;
  port: number;
  pid: number;
  child: ChildProcess;
  stderrTail(): string;
}

export class ServerProcessError extends Error {
  override name = 'ServerProcessError';
}

function lastLines(text: string, n = 5): string {
  return text.trim().split('\n').slice(-n).join('\n');
}

/**
 * Flags a server gets for a measurement at `concurrency` connections. The sync server's pool is
 * sized to the connection count up front: its threads start on demand at a few dozen a second
 * (each one is a V8 isolate plus a SQLite connection), so a pool left to grow during the window
 * would measure pool growth, not the thread-per-connection model's steady state. (mkvss, the Rust
 * original, spawns a thread per connection as it accepts it.) `prewarm: false` starts it without
 * its warm start (`serve sync --no-prewarm`, the cold model).
 */
export function serverFlags(server: ServerName, concurrency: number, prewarm = true): string[] {
  if (server !== 'sync') return [];
  return [
    '--threads',
    String(Math.min(concurrency, 4096)),
    '--max-threads',
    String(Math.min(Math.max(512, concurrency), 4096)),
    ...(prewarm ? [] : ['--no-prewarm']),
  ];
}

export async function startServer(
  server: ServerName,
  db: string,
  cpus: ServerPlacement,
  env: Record<string, string> = {},
  /** How long to wait for the ready line: process-load.ts's readyTimeoutFor says, per server and load. */
  readyTimeoutMs: number,
  extraArgs: readonly string[] = [],
  /** The `mkvss-lab` CLI to run: this checkout's by default, another build's for an A/B gate. */
  cli: string = CLI,
): Promise<RunningChild> {
  const [cmd, args] = pinnedCommand(cpus.start, process.execPath, [cli, 'serve', server, '--port', '0', '--db', db, ...extraArgs]);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-STDERR_TAIL)));
  const tail = () => lastLines(stderr);
  let port: number;
  try {
    port = await new Promise<number>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(
        () =>
          reject(
            new ServerProcessError(
              `the ${server} server did not print its listening line within ${readyTimeoutMs / 1000} s${tail() ? `; stderr:\n${tail()}` : ''}`,
            ),
          ),
        readyTimeoutMs,
      );
      child.stdout!.setEncoding('utf8').on('data', (s: string) => {
        out += s;
        const ready = parseReadyLine(out);
        if (ready) {
          clearTimeout(timer);
          resolve(ready.port);
        }
      });
      child.once('error', (err) => {
        clearTimeout(timer);
        reject(new ServerProcessError(`could not run the ${server} server: ${err.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        // stderr may still be draining: give it a moment so the tail is there.
        setTimeout(
          () =>
            reject(
              new ServerProcessError(
                `the ${server} server exited (${signal ?? `code ${code}`}) before it was ready${tail() ? `; stderr:\n${tail()}` : ''}`,
              ),
            ),
          50,
        );
      });
    });
    await waitHealthy(port, server, tail);
    if (!moveServer(child.pid!, cpus.serve))
      throw new ServerProcessError(
        `could not move the ${server} server onto CPUs ${cpus.serve.join(',')} (taskset -a -p failed or a thread stayed off them)`,
      );
  } catch (err) {
    if (child.exitCode === null) child.kill('SIGKILL');
    throw err;
  }
  // Keep draining stdout so a chatty server never blocks on a full pipe.
  child.stdout!.resume();
  return { server, port, pid: child.pid!, child, stderrTail: tail };
}

export function httpGetStatus(port: number, path: string, timeoutMs = 2000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

async function waitHealthy(port: number, server: ServerName, tail: () => string): Promise<void> {
  let last = '';
  for (let attempt = 0; attempt < 20; attempt++) {
    try {
      const status = await httpGetStatus(port, '/health');
      if (status === 200) return;
      last = `status ${status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new ServerProcessError(`the ${server} server did not answer GET /health with 200 (${last})${tail() ? `; stderr:\n${tail()}` : ''}`);
}

/** SIGTERM and wait; throws when the server does not exit 0 within the timeout (then it is killed). */
export async function stopServer(running: RunningChild, timeoutMs = 15_000): Promise<void> {
  const { child, server } = running;
  if (child.exitCode !== null || child.signalCode !== null) {
    throw new ServerProcessError(
      `the ${server} server had already exited (${child.signalCode ?? `code ${child.exitCode}`}) before it was stopped${running.stderrTail() ? `; stderr:\n${running.stderrTail()}` : ''}`,
    );
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  child.kill('SIGTERM');
  const timer = new Promise<null>((r) => setTimeout(() => r(null), timeoutMs).unref());
  const result = await Promise.race([exited, timer]);
  if (result === null) {
    child.kill('SIGKILL');
    await exited;
    throw new ServerProcessError(`the ${server} server did not stop within ${timeoutMs / 1000} s of SIGTERM (killed)`);
  }
  if (result.code !== 0) {
    throw new ServerProcessError(
      `the ${server} server did not stop cleanly after SIGTERM (${result.signal ?? `exit code ${result.code}`})${running.stderrTail() ? `; stderr:\n${running.stderrTail()}` : ''}`,
    );
  }
}

/** Last resort on an aborted run: no server may outlive the harness. */
export function killServer(running: RunningChild): void {
  if (running.child.exitCode === null && running.child.signalCode === null) running.child.kill('SIGKILL');
}
