// Each connection's own request list for a driver shard, seeded so a run is reproducible and
// every driver walks the same keys: connection c of shard s gets the same list whichever driver
// sends it.
import type { DriverSpec } from './driver-protocol.js';
import { seededRandom } from '../analysis/seeded-random.js';
import { buildRequests, cannedExpectations, listLength, type PlannedRequest } from './workloads.js';

export function connectionLists(
  spec: Pick<DriverSpec, 'connections' | 'seed' | 'shard' | 'workload' | 'keys' | 'valueSize' | 'cannedOk'>,
): PlannedRequest[][] {
  const length = listLength(spec.connections);
  return Array.from({ length: spec.connections }, (_, c) => {
    const random = seededRandom(spec.seed * 7919 + spec.shard * 104_729 + c);
    const built = buildRequests({
      workload: spec.workload,
      keys: spec.keys,
      valueSize: spec.valueSize,
      length,
      connectionTag: `${spec.shard}-${c}`,
      random,
    });
    return spec.cannedOk ? cannedExpectations(built) : built;
  });
}
