// The one list of workloads, in a module of its own so that what needs only the names does not
// load the report schema: a load driver is a fresh process twice a round, and the schema's
// library (TypeBox) took ~200 ms of each driver's start-up on this machine kind.
// report-schema.ts builds the schema's union from it; harness/load/workloads.ts builds their
// requests.
export const WORKLOAD_NAMES = ['get', 'put', 'mixed', 'crud'] as const;
