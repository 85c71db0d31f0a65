// Property: any sequence of PUT / DELETE / GET through the routes behaves like a Map.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRoutes } from '../../servers/kv/routes.js';
import { openStore, type KvStore } from '../../servers/kv/store.js';
import { bodyBytes, request, tempDirectory } from './temp-database.js';

let temp: ReturnType<typeof tempDirectory>;
let store: KvStore;
beforeAll(() => {
  temp = tempDirectory();
  store = openStore(temp.file());
});
afterAll(() => {
  store.close();
  temp.cleanup();
});

// Few distinct keys so operations collide; include characters that need percent-encoding.
const keyArb = fc.constantFrom('a', 'b', 'a/b', 'é', 'sp ace', '%', '\u0000', '🙂');
const valueArb = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('PUT' as const), key: keyArb, value: valueArb }),
  fc.record({ kind: fc.constant('DELETE' as const), key: keyArb }),
  fc.record({ kind: fc.constant('GET' as const), key: keyArb }),
);

describe('routes against a Map model', () => {
  it('agree on every status and value', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        store.db.exec('DELETE FROM kv');
        const routes = createRoutes(store);
        const model = new Map<string, Buffer>();
        for (const op of ops) {
          const path = `/keys/${encodeURIComponent(op.key)}`;
          if (op.kind === 'PUT') {
            const response = routes(request('PUT', path, op.value));
            expect(response.status).toBe(model.has(op.key) ? 200 : 201);
            model.set(op.key, op.value);
          } else if (op.kind === 'DELETE') {
            expect(routes(request('DELETE', path)).status).toBe(model.has(op.key) ? 200 : 404);
            model.delete(op.key);
          } else {
            const response = routes(request('GET', path));
            const expected = model.get(op.key);
            expect(response.status).toBe(expected === undefined ? 404 : 200);
            if (expected !== undefined) expect(bodyBytes(response)).toEqual(expected);
          }
        }
        expect(store.count()).toBe(model.size);
      }),
      { numRuns: 150 },
    );
  });
});
