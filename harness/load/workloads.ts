// Request lists for each workload, built before the load starts. A driver cycles through its
// connection's list, so no request is built while measuring (autocannon rebuilding a request per
// send caps it far below what the servers here can do, see docs/HARNESS.md).
//
// Every request carries the status the workload expects and whether it is a write, so each
// response can be checked and the rows written counted.
import type { WorkloadName } from '../schema/report-schema.js';
import { WORKLOAD_NAMES } from '../schema/workload-names.js';

/** Every workload: the schema's one list (a workload is added there, and its requests here). */
export const WORKLOADS: readonly WorkloadName[] = WORKLOAD_NAMES;

export type WriteKind = 'create' | 'update' | 'delete';

export interface PlannedRequest {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  body?: string;
  /** The status the workload expects (anything else counts as a failure). */
  expect: number;
  /** Acknowledged writes change the rows: creates add one, deletes remove one. */
  write: WriteKind | null;
}

export interface WorkloadPlan {
  workload: WorkloadName;
  /** Keys k0..k{keys-1} are preloaded. */
  keys: number;
  valueSize: number;
  /** Requests in the list (crud rounds this up to whole POST-GET-PUT-DELETE cycles). */
  length: number;
  /** Tag unique to the connection: crud keys must not collide between connections. */
  connectionTag: string;
  random: () => number;
}

/** The key the seeder stores at index i (seedDatabase(file, keys, valueSize, preloadKey)). */
export function preloadKey(i: number): string {
  return `k${i}`;
}

/** One list per connection, long enough that cycling through it looks random, short enough that
 *  a few hundred connections' lists stay small (about 200k requests across all of them). */
export function listLength(connections: number): number {
  return Math.min(2048, Math.max(64, Math.floor(200_000 / Math.max(1, connections))));
}

export function buildRequests(plan: WorkloadPlan): PlannedRequest[] {
  const value = 'v'.repeat(plan.valueSize);
  const randomKey = () => `/keys/${preloadKey(Math.floor(plan.random() * plan.keys))}`;
  const out: PlannedRequest[] = [];
  switch (plan.workload) {
    case 'get':
      for (let i = 0; i < plan.length; i++) out.push({ method: 'GET', path: randomKey(), expect: 200, write: null });
      break;
    case 'put':
      // Preloaded keys: every PUT replaces a value, 200.
      for (let i = 0; i < plan.length; i++) out.push({ method: 'PUT', path: randomKey(), body: value, expect: 200, write: 'update' });
      break;
    case 'mixed':
      // Exactly one PUT in ten, spread through the list.
      for (let i = 0; i < plan.length; i++) {
        out.push(
          i % 10 === 9
            ? { method: 'PUT', path: randomKey(), body: value, expect: 200, write: 'update' }
            : { method: 'GET', path: randomKey(), expect: 200, write: null },
        );
      }
      break;
    case 'crud': {
      // Fresh keys per connection; each cycle ends with the key deleted, so the list can repeat.
      const cycles = Math.max(1, Math.ceil(plan.length / 4));
      for (let j = 0; j < cycles; j++) {
        const key = `c${plan.connectionTag}-${j}`;
        const path = `/keys/${key}`;
        out.push({ method: 'POST', path: '/keys', body: JSON.stringify({ key, value }), expect: 201, write: 'create' });
        out.push({ method: 'GET', path, expect: 200, write: null });
        out.push({ method: 'PUT', path, body: value, expect: 200, write: 'update' });
        out.push({ method: 'DELETE', path, expect: 200, write: 'delete' });
      }
      break;
    }
    default:
      throw new Error(`unknown workload "${String(plan.workload)}"`);
  }
  return out;
}

/** The floor server's view of a list: a canned 200 for everything, and nothing is written. */
export function cannedExpectations(list: PlannedRequest[]): PlannedRequest[] {
  return list.map((r) => ({ ...r, expect: 200, write: null }));
}

/** The raw HTTP/1.1 bytes of a request (the open-loop driver writes these as they are). */
export function requestBytes(r: PlannedRequest, host: string): Buffer {
  const body = r.body === undefined ? undefined : Buffer.from(r.body);
  const head = `${r.method} ${r.path} HTTP/1.1\r\nHost: ${host}\r\n${body ? `Content-Length: ${body.length}\r\n` : ''}\r\n`;
  return body ? Buffer.concat([Buffer.from(head, 'latin1'), body]) : Buffer.from(head, 'latin1');
}
