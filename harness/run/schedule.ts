// The interleaved schedule of one run: which server is measured when.
//
// In each round every (workload, concurrency) runs every server back to back, and the server order
// rotates from one round to the next (A B, B A, ...), so drift of the machine over the run and
// "who ran right after whom" hit every server alike. The driver ceiling (the driver alone against
// the floor server) gets one short slot in every other round (1, 3, 5, ...), its place in the
// round moving from slot to slot, so its figure has a spread and comes from the same stretch of
// the run as the servers'. Every other round, not every round: a slot costs ~3 s, and at the
// defaults (4 rounds) the two saved kept `compare` within its 3 minutes (docs/HARNESS.md).
import type { ServerName, WorkloadName } from '../schema/report-schema.js';
import type { CompareSettings } from './settings.js';
import { must } from '../must.js';

export interface Measurement {
  server: ServerName;
  workload: WorkloadName;
  concurrency: number;
  round: number;
  /** Position in the schedule (0-based). */
  order: number;
  /** A driver-ceiling slot (the floor server, GET), not one of the run's own measurements. */
  ceiling?: true;
}

export function schedule(
  s: Pick<CompareSettings, 'servers' | 'workloads' | 'concurrency' | 'rounds'>,
  ceiling?: { concurrency: number },
): Measurement[] {
  const out: Measurement[] = [];
  const groups = s.workloads.flatMap((workload) => s.concurrency.map((concurrency) => ({ workload, concurrency })));
  for (let round = 1; round <= s.rounds; round++) {
    // Slot k (in round 2k + 1) comes before group k, ... then after the last group; then it wraps:
    // round 1 starts with the ceiling, round 3 has it after the first group, ...
    const slot = (round - 1) / 2;
    const ceilingAt = Number.isInteger(slot) ? slot % (groups.length + 1) : -1;
    const addCeiling = () => {
      if (ceiling)
        out.push({ server: 'floor', workload: 'get', concurrency: ceiling.concurrency, round, order: out.length, ceiling: true });
    };
    groups.forEach(({ workload, concurrency }, g) => {
      if (g === ceilingAt) addCeiling();
      for (let i = 0; i < s.servers.length; i++) {
        const server = must(s.servers[(i + round - 1) % s.servers.length], 'a server (the index wraps)');
        out.push({ server, workload, concurrency, round, order: out.length });
      }
    });
    if (ceilingAt === groups.length) addCeiling();
  }
  return out;
}
