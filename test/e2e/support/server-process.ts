// Starting a BUILT server as a child process, the way a user does (`mkvss-lab serve <kind>`),
// and stopping it. Shared by the e2e suite and the reliability tests.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseReadyLine } from '../../../servers/ready-line.js';
import type { ServerKind } from '../../../servers/server-kinds.js';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const CLI = path.join(REPO_ROOT, 'dist/cli/mkvss-lab.js');

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface StartedServer {
  kind: ServerKind;
  /** The host and port of the ready line (an IPv6 host without brackets, ready for net.connect). */
  host: string;
  port: number;
  /** The database file this server uses. */
  db: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when the process has exited (for any reason). */
  exited: Promise<Exit>;
  /** Sends `signal` (default SIGTERM) and waits for the exit; SIGKILL after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

export interface StartOptions {
  /** Database file; default a fresh one in a temporary directory (removed by cleanupTempDirs). */
  db?: string;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
}

/** Generous: on a loaded two-core machine a server that spawns threads can take seconds. */
const READY_TIMEOUT_MS = 20_000;

const tempDirs: string[] = [];

/** A fresh directory for databases; removed by cleanupTempDirs(). */
export function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'mkvss-e2e-'));
  tempDirs.push(dir);
  return dir;
}

export function tempDbPath(): string {
  return path.join(tempDir(), 'kv.db');
}

export function cleanupTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npx tsc -p tsconfig.json\` before the e2e tests`);
}

/** Spawns `node dist/cli/mkvss-lab.js serve <kind> --port 0 --db <db> ...flags` and waits for
 *  the ready line `listening on http://HOST:PORT`. Rejects (and kills the child) if the process
 *  exits or stays silent first, with its stderr in the message. */
export async function startServer(kind: ServerKind, flags: string[] = [], options: StartOptions = {}): Promise<StartedServer> {
  assertBuilt();
  const db = options.db ?? tempDbPath();
  const args = [CLI, 'serve', kind, '--port', '0', '--db', db, ...flags];
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const { host, port } = await new Promise<{ host: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${kind} server printed no ready line within ${options.readyTimeoutMs ?? READY_TIMEOUT_MS} ms; stderr: ${err}`));
    }, options.readyTimeoutMs ?? READY_TIMEOUT_MS);
    const onData = () => {
      const ready = parseReadyLine(out);
      if (ready !== null) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(ready);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${kind} server exited (code ${code}, signal ${signal}) before it was ready; stderr: ${err}`));
    });
  });

  return {
    kind,
    host,
    port,
    db,
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    async stop(signal = 'SIGTERM', timeoutMs = 10_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const exit = await exited;
      clearTimeout(killer);
      return exit;
    },
  };
}

/** Runs a server command that is expected to fail at startup; returns its exit and output. */
export async function runServerToExit(
  kind: ServerKind,
  args: string[],
  timeoutMs = 30_000,
): Promise<Exit & { stdout: string; stderr: string }> {
  assertBuilt();
  const child = spawn(process.execPath, [CLI, 'serve', kind, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await new Promise<Exit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  clearTimeout(killer);
  return { ...exit, stdout, stderr };
}
