// Test helpers: a throwaway database directory, and requests built the way the engine hands them over.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { HttpRequest, HttpResponse } from '../../servers/http/types.js';

/** A fresh directory under the OS temp dir; `cleanup()` removes it with everything inside. */
export function tempDirectory(): { dir: string; file: (name?: string) => string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'mkvss-kv-'));
  return {
    dir,
    file: (name = 'kv.db') => join(dir, name),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** An origin-form request as the engine would pass it: path still percent-encoded, query split off. */
export function request(method: string, target: string, body: Buffer | string = Buffer.alloc(0)): HttpRequest {
  const q = target.indexOf('?');
  return {
    method,
    target,
    path: q === -1 ? target : target.slice(0, q),
    query: q === -1 ? '' : target.slice(q + 1),
    minor: 1,
    headers: [['host', '127.0.0.1']],
    body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
  };
}

export function header(response: HttpResponse, name: string): string | undefined {
  return response.headers?.find(([n]) => n === name)?.[1];
}

export function bodyBytes(response: HttpResponse): Buffer {
  const body = response.body ?? Buffer.alloc(0);
  return typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
}

export function bodyJson(response: HttpResponse): unknown {
  expect(header(response, 'content-type')).toBe('application/json');
  return JSON.parse(bodyBytes(response).toString('utf8'));
}
