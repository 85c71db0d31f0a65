// The flags compare gives each server it starts (harness/run/server-process.ts serverFlags).
import { describe, expect, it } from 'vitest';
import { serverFlags } from '../../harness/run/server-process.js';

describe('serverFlags', () => {
  it("sizes sync's pool to the connections up front, with room to grow, both capped", () => {
    expect(serverFlags('sync', 50)).toEqual(['--threads', '50', '--max-threads', '512']);
    expect(serverFlags('sync', 1000)).toEqual(['--threads', '1000', '--max-threads', '1000']);
    expect(serverFlags('sync', 10_000)).toEqual(['--threads', '4096', '--max-threads', '4096']);
  });

  it('starts sync without its warm start only when asked (compare --no-prewarm)', () => {
    expect(serverFlags('sync', 50, false)).toEqual(['--threads', '50', '--max-threads', '512', '--no-prewarm']);
    expect(serverFlags('sync', 50, true)).not.toContain('--no-prewarm');
  });

  it('gives the event-loop servers no flags, whatever is asked of sync', () => {
    for (const server of ['async', 'reference', 'floor']) {
      expect(serverFlags(server, 50)).toEqual([]);
      expect(serverFlags(server, 50, false)).toEqual([]);
    }
  });
});
