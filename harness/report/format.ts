// Number formatting for the compare report and the gate's: one place decides how a figure reads, so the terminal,
// report.md, report.html and the charts print the same thing for the same number.
// Inputs follow report-schema.ts: times in microseconds, sizes in bytes, rates 0..1.
//
// The formatters analysis/ also needs (thousands, milliseconds, percent, factor numbers) live in
// harness/number-format.ts, which imports nothing, because analysis/ must not import report/ (report/
// imports analysis/); they are re-exported here, so this stays the one module a renderer imports.
import type { Spread } from '../schema/report-schema.js';
import { finiteOrThrow, thousands, type Formatter } from '../number-format.js';

export { decimalsFor, formatFactorNumber, formatMs, formatMsValue, formatPercent, thousands, type Formatter } from '../number-format.js';

/** Requests per second: whole numbers ("24,257"); below 10 a decimal, so 0.5 req/s does not read 1. */
export const formatRate: Formatter = (perSecond, decimals) => {
  finiteOrThrow(perSecond, 'rate');
  return thousands(perSecond, decimals ?? (Math.abs(perSecond) < 10 && perSecond !== 0 ? 1 : 0));
};

/**
 * A success rate (0..1) as a percentage with enough decimals to show the errors: the error part gets
 * three significant digits, so 0.9999093 reads "99.99093%" (not "100.00%"), 0.95 reads "95.00%".
 * Exactly 1 reads "100%", exactly 0 "0%".
 */
export const formatSuccessRate: Formatter = (rate, decimals) => {
  finiteOrThrow(rate, 'success rate');
  if (rate < 0 || rate > 1) throw new RangeError(`success rate must be within 0..1, got ${rate}`);
  if (decimals === undefined) {
    if (rate === 1) return '100%';
    if (rate === 0) return '0%';
    decimals = successRateDecimals(rate);
  }
  return `${(rate * 100).toFixed(decimals)}%`;
};

/** Decimals of the percentage that show the error part (100% − rate) to three significant digits. */
export function successRateDecimals(rate: number): number {
  if (rate >= 1 || rate <= 0) return 2;
  const errorPct = (1 - rate) * 100;
  // The epsilon keeps 0.001% (stored as 0.00099999...) at its own decade.
  const d = Math.max(2, 2 - Math.floor(Math.log10(errorPct) + 1e-9));
  return Math.min(d, 12);
}

/** Bytes as MiB with one decimal ("85.3 MiB"). */
export const formatMiB: Formatter = (bytes, decimals) => {
  finiteOrThrow(bytes, 'size');
  return `${thousands(bytes / 1048576, decimals ?? 1)} MiB`;
};

/** CPU use in % of one core ("182%"; below 10% one decimal, "4.5%"). Over 100% means more than one core. */
export const formatCpuPct: Formatter = (pct, decimals) => {
  finiteOrThrow(pct, 'CPU use');
  return `${thousands(pct, decimals ?? (Math.abs(pct) < 10 && pct !== 0 ? 1 : 0))}%`;
};

/** A count ("1,042"). */
export const formatCount: Formatter = (n, decimals) => thousands(n, decimals ?? 0);

/** Decimals a formatter chose for a value, read back from its text (so min/max can follow the median). */
function decimalsIn(text: string): number {
  return /\.(\d+)/.exec(text)?.[1]?.length ?? 0;
}

/** Strip the unit suffix a formatter adds (" ms", " MiB", "%") so the bracket holds bare numbers. */
function bare(text: string): string {
  return text.replace(/\s*(ms|MiB)$/, '').replace(/%$/, '');
}

/**
 * Median with the min-max spread: "24,257 (23,900-24,610)", "0.579 ms (0.571-0.590)".
 * Min and max use the median's precision so the three read alike; a spread that does not show at that
 * precision (one round, or 70.6-71.4 printed as whole numbers) prints the median alone.
 */
export function formatSpread(spread: Spread, format: Formatter): string {
  const median = format(spread.median);
  if (spread.min === spread.max && spread.min === spread.median) return median;
  let decimals = decimalsIn(median);
  let lo = bare(format(spread.min, decimals));
  let hi = bare(format(spread.max, decimals));
  // A success rate of 0.99999 next to 1 needs the same decimals for both ends to show a difference.
  if (lo === hi && spread.min !== spread.max) {
    decimals = Math.max(decimals, decimalsIn(format(spread.min)), decimalsIn(format(spread.max)));
    lo = bare(format(spread.min, decimals));
    hi = bare(format(spread.max, decimals));
  }
  // A spread narrower than the printed precision says nothing: print the median alone.
  if (lo === hi) return median;
  return `${median} (${lo}-${hi})`;
}

/** A ratio or normalised figure (the gate's "÷ floor" metrics): three decimals below 10 ("0.500"),
 *  one below 100 ("12.3"), none above ("150", "1,234"). */
export const formatRatio: Formatter = (value, decimals) => {
  finiteOrThrow(value, 'ratio');
  return thousands(value, decimals ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 3));
};
