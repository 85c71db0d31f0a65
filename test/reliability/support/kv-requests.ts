// Request bytes and values for the key-value API, shared by the reliability loads.
import { randomBytes } from 'node:crypto';
import { req } from '../../e2e/support/raw-client.js';

/** The request target of a key: percent-encoded, so keys with "/", spaces or non-ASCII work. */
export const keyPath = (key: string): string => `/keys/${encodeURIComponent(key)}`;

export const putRequest = (key: string, value: Buffer): Buffer => req('PUT', keyPath(key), value);
export const getRequest = (key: string): Buffer => req('GET', keyPath(key));

/** A value of random bytes (every byte value possible), length 0..maxBytes, skewed small. */
export function randomValue(maxBytes: number): Buffer {
  const r = Math.random();
  const length = r < 0.05 ? 0 : Math.floor(r * r * maxBytes) + 1;
  return randomBytes(Math.min(length, maxBytes));
}

/** A distinct key per (writer, index); some carry characters that must be percent-encoded. */
export function writerKey(prefix: string, writer: number, index: number): string {
  return index % 7 === 0 ? `${prefix}/${writer}/${index} é` : `${prefix}-${writer}-${index}`;
}
