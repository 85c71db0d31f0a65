// Which processes a server process started (its cluster workers), read from /proc: the tests
// find and kill a worker the way an operator or the OOM killer would, without any API for it.
import { readdirSync, readFileSync } from 'node:fs';

/** The parent pid of `pid`, or undefined if it is gone. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[1]);
  } catch {
    return undefined; // exited while we were looking
  }
}

/** Live child processes of `pid`, in pid order. */
export function childPids(pid: number): number[] {
  const children: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const child = Number(name);
    if (parentOf(child) === pid && !isZombie(child)) children.push(child);
  }
  return children.sort((a, b) => a - b);
}

function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}
