// The ready line's format and its parser (servers/ready-line.ts): what every caller that starts
// a server (the tests, the harness, a script) reads the port from.
import { describe, expect, it } from 'vitest';
import { formatReadyLine, parseReadyLine } from '../../servers/ready-line.js';

describe('ready line', () => {
  it('prints a usable URL: IPv6 hosts in brackets, the rest as given', () => {
    expect(formatReadyLine('127.0.0.1', 8080)).toBe('listening on http://127.0.0.1:8080');
    expect(formatReadyLine('localhost', 1)).toBe('listening on http://localhost:1');
    expect(formatReadyLine('::1', 8080)).toBe('listening on http://[::1]:8080');
    expect(formatReadyLine('::', 65535)).toBe('listening on http://[::]:65535');
  });

  it('parses what it prints, giving an IPv6 host without brackets', () => {
    for (const [host, port] of [
      ['127.0.0.1', 8080],
      ['0.0.0.0', 1],
      ['localhost', 65535],
      ['::1', 40001],
      ['::', 2],
      ['fe80::1:2', 80],
    ] as const) {
      expect(parseReadyLine(`${formatReadyLine(host, port)}\n`)).toEqual({ host, port });
    }
  });

  it('finds the line among other output, and only once it is complete', () => {
    expect(parseReadyLine('warming up\nlistening on http://[::1]:8080\nmore\n')).toEqual({ host: '::1', port: 8080 });
    // A port split across two reads of the pipe is never taken half-read.
    expect(parseReadyLine('listening on http://127.0.0.1:80')).toBeNull();
    expect(parseReadyLine('listening on http://127.0.0.1:8080\r\n')).toEqual({ host: '127.0.0.1', port: 8080 });
  });

  it('rejects what is not a ready line', () => {
    expect(parseReadyLine('')).toBeNull();
    expect(parseReadyLine('error: port 80 on 127.0.0.1 is already in use\n')).toBeNull();
    expect(parseReadyLine('listening on http://::1:8080\n')).toBeNull(); // an IPv6 host needs its brackets
    expect(parseReadyLine('listening on http://127.0.0.1:99999\n')).toBeNull();
    expect(parseReadyLine('listening on http://127.0.0.1:\n')).toBeNull();
    expect(parseReadyLine('  listening on http://127.0.0.1:8080\n')).toBeNull();
  });
});
