// Provoking real database faults from outside the server process, with no hook in the server:
//
// - a lock: this (test) process opens the same file with better-sqlite3 and holds
//   BEGIN EXCLUSIVE. In WAL mode that is the write lock: the server's readers go on, its writers
//   wait busy_timeout (5 s) and then get SQLITE_BUSY.
// - a file that refuses writes: `chattr +i` (immutable) on the database file and its -wal file.
//   Even root cannot write an immutable file, so the server's next WAL append fails with EPERM,
//   which SQLite reports as SQLITE_IOERR_WRITE. (NOT on the -shm file: SQLite maps it with mmap,
//   and making it immutable kills the process with SIGBUS; that is the kernel's doing, not a
//   state a server can answer.) Needs an ext2/3/4-like file system and CAP_LINUX_IMMUTABLE.
// - a full disk: the database lives on a tmpfs mounted with a tiny size; SQLite gets ENOSPC
//   (SQLITE_FULL). Growing the mount (`mount -o remount,size=...`) clears the fault while the
//   server keeps its files open. Needs CAP_SYS_ADMIN (root in a privileged container).
//
// Each probe says whether this machine allows the fault, so a test can skip with the reason
// instead of failing where the fault cannot be provoked (e.g. an unprivileged CI runner).
import Database from 'better-sqlite3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function run(cmd: string, args: string[]): { ok: boolean; message: string } {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    return { ok: true, message: '' };
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    const [firstLine = ''] = (e.stderr?.toString() || e.message).trim().split('\n');
    return { ok: false, message: firstLine };
  }
}

/** Holds SQLite's write lock on `dbFile` from this process until release() is called. */
export function holdExclusiveLock(dbFile: string): { release(): void } {
  const db = new Database(dbFile);
  db.pragma('busy_timeout = 10000'); // wait out a server write in progress
  db.exec('BEGIN EXCLUSIVE');
  return {
    release() {
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/** Why `chattr +i` cannot be used under `dir`, or null when it can. */
export function immutableUnavailable(dir: string): string | null {
  const probe = path.join(dir, '.chattr-probe');
  writeFileSync(probe, 'x');
  try {
    const on = run('chattr', ['+i', probe]);
    if (!on.ok) return `chattr +i does not work here (${on.message})`;
    run('chattr', ['-i', probe]);
    return null;
  } finally {
    run('chattr', ['-i', probe]);
    rmSync(probe, { force: true });
  }
}

export function setImmutable(files: string[], immutable: boolean): void {
  const r = run('chattr', [immutable ? '+i' : '-i', ...files]);
  if (!r.ok) throw new Error(`chattr ${immutable ? '+i' : '-i'} failed: ${r.message}`);
}

export interface SmallFileSystem {
  dir: string;
  resize(bytes: number): void;
  /** Unmounts (lazily, in case something still holds a file) and removes the mount point. */
  remove(): void;
}

/** Mounts a tmpfs of `bytes` on a fresh directory, or returns the reason it cannot. */
export function mountSmallFileSystem(bytes: number): SmallFileSystem | string {
  const parent = mkdtempSync(path.join(tmpdir(), 'mkvss-full-'));
  const dir = path.join(parent, 'mnt');
  mkdirSync(dir);
  const r = run('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir]);
  if (!r.ok) {
    rmSync(parent, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${r.message})`;
  }
  return {
    dir,
    resize(size: number) {
      const rr = run('mount', ['-o', `remount,size=${size}`, dir]);
      if (!rr.ok) throw new Error(`resizing the tmpfs failed: ${rr.message}`);
    },
    remove() {
      run('umount', ['-l', dir]);
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
