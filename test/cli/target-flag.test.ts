// `compare --target NAME=http://HOST:PORT`: what is accepted, normalised, and refused (with the fix).
import { describe, expect, it } from 'vitest';
import { collectTarget, parseTarget } from '../../cli/target-flag.js';

describe('--target parsing', () => {
  it('takes NAME=http://HOST:PORT, with or without a trailing slash', () => {
    expect(parseTarget('mine=http://127.0.0.1:8080')).toEqual({
      name: 'mine',
      url: 'http://127.0.0.1:8080',
      host: '127.0.0.1',
      port: 8080,
    });
    expect(parseTarget('b-2=http://db.example:80/')).toEqual({ name: 'b-2', url: 'http://db.example:80', host: 'db.example', port: 80 });
  });

  it('takes an IPv6 host, handing the driver the address without brackets', () => {
    expect(parseTarget('v6=http://[::1]:9000')).toEqual({ name: 'v6', url: 'http://[::1]:9000', host: '::1', port: 9000 });
  });

  it.each([
    ['http://127.0.0.1:8080', /NAME=http:\/\/HOST:PORT/],
    ['Mine=http://127.0.0.1:8080', /lowercase letters, digits or dashes/],
    ['a=not a url', /is not a URL/],
    ['a=https://127.0.0.1:8443', /only plain http:\/\//],
    ['a=http://127.0.0.1', /has no port; write http:\/\/HOST:PORT/],
    ['a=http://127.0.0.1:8080/keys', /without a path/],
    ['a=http://127.0.0.1:0', /out of range/],
    ['a=http://127.0.0.1:70000', /is not a URL|out of range/],
  ])('refuses %s', (raw, message) => {
    expect(() => parseTarget(raw)).toThrow(message);
  });

  it('collects repeated flags in order and refuses a name given twice', () => {
    const two = collectTarget('b=http://127.0.0.1:2', collectTarget('a=http://127.0.0.1:1', undefined));
    expect(two.map((t) => t.name)).toEqual(['a', 'b']);
    expect(() => collectTarget('a=http://127.0.0.1:3', two)).toThrow(/"a" is given twice/);
  });
});
