import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  decimalsFor,
  formatCpuPct,
  formatFactorNumber,
  formatMiB,
  formatMs,
  formatPercent,
  formatRate,
  formatSpread,
  formatSuccessRate,
  thousands,
} from '../../harness/report/format.js';

describe('thousands', () => {
  it.each([
    [0, 0, '0'],
    [999, 0, '999'],
    [1000, 0, '1,000'],
    [24257, 0, '24,257'],
    [1234567.891, 2, '1,234,567.89'],
    [-1234.5, 1, '-1,234.5'],
    [-0.0001, 2, '0.00'],
    [999.5, 0, '1,000'],
  ])('%d with %d decimals -> %s', (v, d, want) => {
    expect(thousands(v, d)).toBe(want);
  });

  it('rejects non-finite input with a clear error', () => {
    expect(() => thousands(Number.NaN)).toThrow(/not a finite number/);
    expect(() => formatMs(Infinity)).toThrow(/latency/);
  });

  it('round-trips: removing the commas gives back the rounded number', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e12, max: 1e12, noNaN: true }), fc.integer({ min: 0, max: 4 }), (v, d) => {
        expect(Number(thousands(v, d).replace(/,/g, ''))).toBeCloseTo(Number(v.toFixed(d)), d);
      }),
    );
  });
});

describe('latency in ms', () => {
  it.each([
    [579, '0.579 ms'],
    [2056.2, '2.06 ms'],
    [12345, '12.3 ms'],
    [123456, '123 ms'],
    [1234567, '1,235 ms'],
    [45.2, '0.0452 ms'],
    [0, '0 ms'],
  ])('%d µs -> %s', (us, want) => {
    expect(formatMs(us)).toBe(want);
  });

  it('three significant digits', () => {
    expect(decimalsFor(0.579)).toBe(3);
    expect(decimalsFor(5.79)).toBe(2);
    expect(decimalsFor(579)).toBe(0);
  });
});

describe('success rate', () => {
  it.each([
    [1, '100%'],
    [0, '0%'],
    [0.9999093, '99.99093%'],
    [0.9999581, '99.99581%'],
    [0.95, '95.00%'],
    [0.999, '99.900%'],
    [0.99999, '99.99900%'],
    [0.5, '50.00%'],
  ])('%d -> %s', (rate, want) => {
    expect(formatSuccessRate(rate)).toBe(want);
  });

  it('never rounds a rate with errors up to 100', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.5, max: 1 - 1e-10, noNaN: true }), (rate) => {
        const text = formatSuccessRate(rate);
        expect(text).not.toMatch(/^100(\.0*)?%$/);
        // The error part (100 - shown) is within 1% of the true error rate: errors stay readable.
        const errorPct = (1 - rate) * 100;
        expect(Math.abs(100 - Number(text.slice(0, -1)) - errorPct) / errorPct).toBeLessThan(0.01);
      }),
    );
  });

  it('rejects a rate outside 0..1', () => {
    expect(() => formatSuccessRate(1.2)).toThrow(/within 0..1/);
  });
});

describe('other units', () => {
  it('rate, MiB, CPU', () => {
    expect(formatRate(24257.4)).toBe('24,257');
    expect(formatRate(0.5)).toBe('0.5');
    expect(formatMiB(142 * 1048576)).toBe('142.0 MiB');
    expect(formatCpuPct(182.4)).toBe('182%');
    expect(formatCpuPct(4.52)).toBe('4.5%');
  });
});

describe('formatSpread', () => {
  it('median with min-max at the median precision', () => {
    expect(formatSpread({ median: 24257, min: 23900, max: 24610 }, formatRate)).toBe('24,257 (23,900-24,610)');
    expect(formatSpread({ median: 579, min: 571.2, max: 590 }, formatMs)).toBe('0.579 ms (0.571-0.590)');
    expect(formatSpread({ median: 142 * 1048576, min: 141 * 1048576, max: 143.5 * 1048576 }, formatMiB)).toBe('142.0 MiB (141.0-143.5)');
  });

  it('prints the median alone when the spread does not show at that precision', () => {
    expect(formatSpread({ median: 71, min: 71, max: 71 }, formatCpuPct)).toBe('71%');
    expect(formatSpread({ median: 71, min: 70.6, max: 71.4 }, formatCpuPct)).toBe('71%');
  });

  it('widens the precision of a success-rate spread so both ends differ', () => {
    expect(formatSpread({ median: 1, min: 0.99999, max: 1 }, formatSuccessRate)).toBe('100% (99.99900-100.00000)');
  });
});

describe('percentages', () => {
  it.each([
    [0.15, '15%'],
    [0.95, '95%'],
    [2.5, '250%'],
    [0.032, '3.2%'],
    [0.005, '0.5%'],
    [0, '0%'],
    [12.346, '1,235%'],
    [Number.POSITIVE_INFINITY, '∞'],
  ])('%d -> %s', (fraction, want) => {
    expect(formatPercent(fraction)).toBe(want);
  });
  it('refuses NaN rather than print a figure that was not measured', () => {
    expect(() => formatPercent(Number.NaN)).toThrow(RangeError);
  });
});

describe('factor numbers', () => {
  it('numbers keep three significant digits', () => {
    expect(formatFactorNumber(1)).toBe('1.00');
    expect(formatFactorNumber(123.4)).toBe('123');
  });
});
