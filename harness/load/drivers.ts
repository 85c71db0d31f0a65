// The closed-loop load drivers the harness can use, which one is the default, and how a report
// names them. One place, so the CLI, run-load and the report agree.
//
//   net         the project's own node:net client (net-driver.ts): default, lean enough to stay
//               well under its core against the fastest server here.
//   autocannon  autocannon 8's programmatic API (autocannon-driver.ts); needs about twice the CPU
//               per request of `net`, so against a fast server it is the bottleneck.
//   wrk         the C load generator (wrk-driver.ts), a cross-check where it is installed. It gives
//               throughput, its own µs latency distribution and a count of non-2xx answers, but
//               no per-request status check (any 2xx/3xx passes), no per-connection request lists
//               (one list per driver process, cycled by all its connections), no write accounting
//               (writes acknowledged are estimated from the list's share of writes), and no crud.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ClosedLoopDriverName } from './driver-protocol.js';

export type { ClosedLoopDriverName };
export const CLOSED_LOOP_DRIVERS: readonly ClosedLoopDriverName[] = ['net', 'autocannon', 'wrk'];
export const DEFAULT_DRIVER: ClosedLoopDriverName = 'net';

export const DRIVER_SCRIPTS: Record<ClosedLoopDriverName | 'open', string> = {
  net: fileURLToPath(new URL('./net-driver.js', import.meta.url)),
  autocannon: fileURLToPath(new URL('./autocannon-driver.js', import.meta.url)),
  wrk: fileURLToPath(new URL('./wrk-driver.js', import.meta.url)),
  open: fileURLToPath(new URL('./open-loop-driver.js', import.meta.url)),
};

export const NET_DRIVER_VERSION = '1';

function packageVersion(name: string): string {
  try {
    return (createRequire(import.meta.url)(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

let wrkVersionCache: string | null | undefined;
/** wrk's version line ("4.1.0-3+b2"), or null when wrk is not installed. */
export function wrkVersion(): string | null {
  if (wrkVersionCache !== undefined) return wrkVersionCache;
  const run = spawnSync('wrk', ['-v'], { encoding: 'utf8' });
  // wrk -v prints its version and usage, and exits 1.
  const m = /wrk\s+(\S+)/.exec(`${run.stdout ?? ''}${run.stderr ?? ''}`);
  wrkVersionCache = run.error ? null : (m?.[1] ?? 'unknown');
  return wrkVersionCache;
}

/** Name and version of the driver behind a report's figures (Setup.driver). */
export function describeDriver(driver: ClosedLoopDriverName | 'open'): { name: string; version: string } {
  switch (driver) {
    case 'open':
      return { name: 'mkvss-open-loop (node:net, intended-send-time latency)', version: '1' };
    case 'net':
      return { name: 'mkvss-net (node:net closed loop)', version: NET_DRIVER_VERSION };
    case 'autocannon':
      return { name: 'autocannon', version: packageVersion('autocannon') };
    case 'wrk':
      return {
        name: 'wrk (throughput and latency only: no per-request status check, writes estimated)',
        version: wrkVersion() ?? 'not installed',
      };
  }
}

/** Why `driver` cannot run this load, or null. */
export function driverProblem(driver: ClosedLoopDriverName, workloads: readonly string[], open: boolean): string | null {
  if (open && driver !== 'net')
    return `--driver ${driver} is closed loop only; --rate uses the open-loop driver (drop --driver or --rate).`;
  if (driver === 'wrk') {
    if (wrkVersion() === null) return '--driver wrk needs wrk on the PATH (Debian: apt-get install wrk); use --driver net or autocannon.';
    if (workloads.includes('crud'))
      return '--driver wrk cannot run crud (its connections share one request list, so fresh keys would collide); use --driver net.';
  }
  return null;
}
