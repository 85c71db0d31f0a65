// Which processes a server process started (its cluster workers), read from /proc through the
// harness's one reader (harness/system/proc.ts): the tests find and kill a worker the way an
// operator or the OOM killer would, without any API for it.
import { childrenOf, processState } from '../../../harness/system/proc.js';

/** Live child processes of `pid` (not exited, not a zombie awaiting its parent), in pid order. */
export function childPids(pid: number): number[] {
  return childrenOf(pid)
    .filter((child) => {
      const state = processState(child);
      return state !== null && state !== 'Z';
    })
    .sort((a, b) => a - b);
}
