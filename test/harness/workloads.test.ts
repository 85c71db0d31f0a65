import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../harness/analysis/seeded-random.js';
import { buildRequests, listLength, requestBytes, WORKLOADS, type PlannedRequest } from '../../harness/load/workloads.js';
import type { WorkloadName } from '../../harness/schema/report-schema.js';

const plan = (workload: WorkloadName, length = 1000) => ({
  workload,
  keys: 500,
  valueSize: 64,
  length,
  connectionTag: '0-3',
  random: seededRandom(1),
});
const keyIndex = (r: PlannedRequest) => Number(/^\/keys\/k(\d+)$/.exec(r.path)?.[1]);

describe('request lists', () => {
  it('get: GETs of preloaded keys (k0..k{keys-1}), expecting 200, no writes', () => {
    const list = buildRequests(plan('get'));
    expect(list).toHaveLength(1000);
    for (const r of list) {
      expect(r).toMatchObject({ method: 'GET', expect: 200, write: null });
      expect(keyIndex(r)).toBeGreaterThanOrEqual(0);
      expect(keyIndex(r)).toBeLessThan(500);
    }
    // Random, not one hot key.
    expect(new Set(list.map((r) => r.path)).size).toBeGreaterThan(300);
  });

  it('put: replaces preloaded keys with a value of --value-size bytes (200, an update)', () => {
    for (const r of buildRequests(plan('put'))) {
      expect(r).toMatchObject({ method: 'PUT', expect: 200, write: 'update' });
      expect(r.body).toHaveLength(64);
      expect(keyIndex(r)).toBeLessThan(500);
    }
  });

  it('mixed: exactly 10% PUT, the rest GET', () => {
    const list = buildRequests(plan('mixed'));
    expect(list.filter((r) => r.method === 'PUT')).toHaveLength(100);
    expect(list.filter((r) => r.method === 'GET')).toHaveLength(900);
  });

  it('crud: POST, GET, PUT, DELETE cycles on fresh keys, expecting 201, 200, 200, 200', () => {
    const list = buildRequests(plan('crud', 10));
    expect(list).toHaveLength(12); // rounded up to whole cycles
    for (let i = 0; i < list.length; i += 4) {
      const [post, get, put, del] = list.slice(i, i + 4) as [PlannedRequest, PlannedRequest, PlannedRequest, PlannedRequest];
      const key = (JSON.parse(post.body!) as { key: string }).key;
      expect(post).toMatchObject({ method: 'POST', path: '/keys', expect: 201, write: 'create' });
      expect(get).toMatchObject({ method: 'GET', path: `/keys/${key}`, expect: 200, write: null });
      expect(put).toMatchObject({ method: 'PUT', path: `/keys/${key}`, expect: 200, write: 'update' });
      expect(del).toMatchObject({ method: 'DELETE', path: `/keys/${key}`, expect: 200, write: 'delete' });
      expect(key).not.toMatch(/^k\d+$/); // never a preloaded key
    }
  });

  it('crud keys differ between connections (no two connections fight over a key)', () => {
    const a = buildRequests({ ...plan('crud', 8), connectionTag: '0-1' });
    const b = buildRequests({ ...plan('crud', 8), connectionTag: '0-2' });
    const paths = (l: PlannedRequest[]) => new Set(l.filter((r) => r.method === 'GET').map((r) => r.path));
    const overlap = [...paths(a)].filter((p) => paths(b).has(p));
    expect(overlap).toEqual([]);
  });

  it('is reproducible from its seed', () => {
    expect(buildRequests(plan('mixed'))).toEqual(buildRequests(plan('mixed')));
  });

  it('covers every workload name', () => {
    for (const w of WORKLOADS) expect(buildRequests(plan(w, 4)).length).toBeGreaterThan(0);
  });
});

describe('listLength', () => {
  it("keeps all connections' lists together near 200k requests, within 64..2048 each", () => {
    expect(listLength(1)).toBe(2048);
    expect(listLength(200)).toBe(1000);
    expect(listLength(10_000)).toBe(64);
  });
});

describe('requestBytes', () => {
  it('writes a complete HTTP/1.1 request with Content-Length for a body', () => {
    const text = requestBytes({ method: 'PUT', path: '/keys/k1', body: 'héllo', expect: 200, write: 'update' }, '127.0.0.1:8080').toString(
      'utf8',
    );
    expect(text).toBe('PUT /keys/k1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Length: 6\r\n\r\nhéllo');
    expect(requestBytes({ method: 'GET', path: '/keys/k1', expect: 200, write: null }, 'h').toString()).toBe(
      'GET /keys/k1 HTTP/1.1\r\nHost: h\r\n\r\n',
    );
  });
});

describe('cannedExpectations (the floor server)', () => {
  it('expects 200 from every request and counts no writes', async () => {
    const { cannedExpectations } = await import('../../harness/load/workloads.js');
    const list = cannedExpectations(buildRequests(plan('crud', 8)));
    expect(list.every((r) => r.expect === 200 && r.write === null)).toBe(true);
    expect(list.map((r) => r.method)).toEqual(buildRequests(plan('crud', 8)).map((r) => r.method));
  });
});
