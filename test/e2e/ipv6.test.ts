// IPv6 for the node:net servers (async, reference, floor): `--host ::1` and `--host ::` listen,
// the ready line prints a usable URL (the address in brackets), and /health answers over IPv6.
// (The sync server's libc listener takes IPv4 only for now: docs/SYNC.md.)
import { afterAll, describe, expect, it } from 'vitest';
import { RawConnection, req } from './support/raw-client.js';
import { cleanupTempDirs, startServer } from './support/server-process.js';

afterAll(() => cleanupTempDirs());

async function health(port: number, host: string): Promise<number> {
  const conn = await RawConnection.connect(port, host);
  try {
    await conn.write(req('GET', '/health'));
    return (await conn.readResponse()).status;
  } finally {
    conn.destroy();
  }
}

describe.each(['async', 'reference', 'floor'] as const)('%s over IPv6', (kind) => {
  it('listens on ::1, prints http://[::1]:PORT and answers /health there', async () => {
    const server = await startServer(kind, ['--host', '::1']);
    try {
      expect(server.stdout()).toBe(`listening on http://[::1]:${server.port}\n`);
      expect(server.host).toBe('::1');
      expect(await health(server.port, '::1')).toBe(200);
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
  });
});

describe('async on every address', () => {
  it('listens on :: and answers over IPv6 and IPv4 (Node binds :: dual-stack)', async () => {
    const server = await startServer('async', ['--host', '::']);
    try {
      expect(server.stdout()).toBe(`listening on http://[::]:${server.port}\n`);
      expect(await health(server.port, '::1')).toBe(200);
      expect(await health(server.port, '127.0.0.1')).toBe(200);
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
  });

  it('runs --workers 2 on ::1', async () => {
    const server = await startServer('async', ['--host', '::1', '--workers', '2'], { readyTimeoutMs: 30_000 });
    try {
      expect(server.stdout()).toBe(`listening on http://[::1]:${server.port}\n`);
      for (let i = 0; i < 4; i++) expect(await health(server.port, '::1')).toBe(200);
    } finally {
      expect(await server.stop()).toEqual({ code: 0, signal: null });
    }
  }, 60_000);
});
