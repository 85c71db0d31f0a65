// The Date field: IMF-fixdate (RFC 9110 §5.6.7), cached per second.
import { describe, expect, it } from 'vitest';
import { HttpDateCache, imfFixdate } from '../../servers/http/index.js';

describe('Date', () => {
  it('formats IMF-fixdate', () => {
    expect(imfFixdate(Date.UTC(1994, 10, 6, 8, 49, 37))).toBe('Sun, 06 Nov 1994 08:49:37 GMT');
    expect(imfFixdate(Date.UTC(2026, 0, 2, 3, 4, 5, 999))).toBe('Fri, 02 Jan 2026 03:04:05 GMT');
  });

  it('matches the IMF-fixdate grammar for any instant', () => {
    const grammar = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} GMT$/;
    for (let t = 0; t < 4e12; t += 123_456_789_011) expect(imfFixdate(t)).toMatch(grammar);
  });

  it('formats once per second and follows the clock across a second boundary', () => {
    let now = Date.UTC(2026, 0, 1, 0, 0, 0, 100);
    const cache = new HttpDateCache(() => now);
    const first = cache.current();
    now += 800;
    expect(cache.current()).toBe(first); // same string object: no new formatting
    now += 200;
    expect(cache.current()).toBe('Thu, 01 Jan 2026 00:00:01 GMT');
  });
});
