// createKvHandler: what drivers call. Store and routes wired together, fault injection applied.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createKvHandler } from '../../servers/kv/index.js';
import { request, tempDirectory } from './temp-database.js';

let temp: ReturnType<typeof tempDirectory>;
beforeEach(() => {
  temp = tempDirectory();
});
afterEach(() => temp.cleanup());

describe('createKvHandler', () => {
  it('serves the API over the store it returns, with the store options applied', () => {
    const { handler, store } = createKvHandler(temp.file(), { synchronous: 'FULL', env: {} });
    try {
      expect(handler(request('PUT', '/keys/a', 'v')).status).toBe(201);
      expect(store.get('a')).toEqual(Buffer.from('v'));
      expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    } finally {
      store.close();
    }
  });

  it('refuses a bad MKVSS_FAULT_DELAY_US and leaves the database closed', () => {
    expect(() => createKvHandler(temp.file(), { env: { MKVSS_FAULT_DELAY_US: 'slow' } })).toThrow(
      'MKVSS_FAULT_DELAY_US must be a whole number of microseconds, got "slow"',
    );
    // Closed cleanly: the WAL was checkpointed, so a fresh open sees an intact database.
    const again = createKvHandler(temp.file(), { env: {} });
    expect(again.store.count()).toBe(0);
    again.store.close();
  });

  it('turns startup failures into one-line errors', () => {
    expect(() => createKvHandler(temp.file('no/such/dir.db'), { env: {} })).toThrow(/^cannot open database "/);
  });
});
