// How a number reads as text, for the formatters that both analysis/ and report/ need: thousands
// separators, milliseconds from microseconds, percentages and improvement factors. They sit at
// harness/'s root, not in report/format.ts, because report/ imports analysis/ (intervals, factor
// wording) and analysis/ writes figures into its own sentences (a verdict's reasons, a knee step's,
// a factor's wording); analysis/ importing report/ would make a folder cycle. report/format.ts
// re-exports every one of these, so the report, the gate and the run import one module, and this
// file imports nothing. Inputs follow report-schema.ts: times in microseconds, fractions 0..1.

/** How a value of one kind reads; `decimals` forces the precision (used to print min/max like the median). */
export type Formatter = (value: number, decimals?: number) => string;

export function finiteOrThrow(value: number, what: string): void {
  if (!Number.isFinite(value)) throw new RangeError(`cannot format ${what}: ${value} is not a finite number`);
}

/** "24,257" — fixed decimals with comma thousands separators (locale-independent, so output is stable). */
export function thousands(value: number, decimals = 0): string {
  finiteOrThrow(value, 'number');
  const fixed = Math.abs(value).toFixed(decimals);
  const [whole = '', frac] = fixed.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  // -0 and values that round to 0 print without a sign.
  const sign = value < 0 && Number(fixed) !== 0 ? '-' : '';
  return sign + grouped + (frac !== undefined ? `.${frac}` : '');
}

/** Decimals that give `significant` significant digits (never negative: 1234 keeps its digits). */
export function decimalsFor(value: number, significant = 3): number {
  if (value === 0 || !Number.isFinite(value)) return 0;
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  return Math.max(0, significant - 1 - magnitude);
}

/** Milliseconds value of a µs figure, 3 significant digits ("0.579", "2.06", "12.3", "1,234"). */
export const formatMsValue: Formatter = (us, decimals) => {
  finiteOrThrow(us, 'latency');
  const ms = us / 1000;
  return thousands(ms, decimals ?? decimalsFor(ms, 3));
};

/** "0.579 ms" from 579 µs. */
export const formatMs: Formatter = (us, decimals) => `${formatMsValue(us, decimals)} ms`;

/**
 * A fraction as a percentage: "15%", "250%"; below 10% one decimal so a small share does not read
 * 0 ("3.2%", "0.5%"). Infinity reads "∞"; NaN throws like every other
 * formatter here, so a figure that was not measured is never printed as one.
 */
export const formatPercent: Formatter = (fraction, decimals) => {
  if (fraction === Number.POSITIVE_INFINITY) return '∞';
  if (fraction === Number.NEGATIVE_INFINITY) return '-∞';
  finiteOrThrow(fraction, 'percentage');
  return `${thousands(fraction * 100, decimals ?? (fraction !== 0 && Math.abs(fraction) < 0.1 ? 1 : 0))}%`;
};

/** An improvement factor's number: "3.54", "12.3", "123"; at least two decimals below 10, so 1.00 reads as a tie. */
export function formatFactorNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x >= 100) return x.toFixed(0);
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
