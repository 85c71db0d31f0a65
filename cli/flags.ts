// Flag parsers every command shares (serve, compare, gate): whole numbers, rates, durations,
// sizes, fractions and comma-separated lists, each with one error wording, plus the two functions
// that print a default the way the README writes it ("10s", "1m"), so --help never shows raw
// milliseconds or bytes. A parser throws commander's InvalidArgumentError, which the CLI turns
// into one "error: ..." line and exit 2.
import { InvalidArgumentError } from 'commander';
import { must } from '../harness/must.js';

/** A whole number within [min, max] ("0", "42"; not "1.5", "-1", "1e3"). */
export function wholeNumber(name: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw.trim()) || n < min || n > max)
      throw new InvalidArgumentError(`${name} must be a whole number from ${min} to ${max}, got "${raw}".`);
    return n;
  };
}

/** The highest rate a rate flag takes, requests per second (well above what one driver can send). */
export const MAX_RATE = 10_000_000;

/**
 * A rate in requests per second from 1 to MAX_RATE: "5000"; unless `whole`, also "2500.5" (an
 * open-loop total spread over connections need not be a whole number; the knee's steps are).
 */
export function rate(name: string, rule: { whole: boolean }) {
  const pattern = rule.whole ? /^\d+$/ : /^\d+(\.\d+)?$/;
  const kind = rule.whole ? 'a whole number' : 'a number';
  return (raw: string): number => {
    const n = Number(raw);
    if (!pattern.test(raw.trim()) || !(n >= 1) || n > MAX_RATE)
      throw new InvalidArgumentError(`${name} is requests per second, ${kind} from 1 to ${MAX_RATE}, got "${raw}"; e.g. ${name} 5000.`);
    return n;
  };
}

export interface DurationRule {
  /** 0 is accepted (and means "off" or "none" to the flag). */
  allowZero?: boolean;
  /** Smallest non-zero duration, ms (default 1). */
  minMs?: number;
  /** Largest duration, ms (default one hour). */
  maxMs?: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/**
 * A duration with its unit: 500ms, 10s, 1.5s, 2m. A bare number is refused (is "-d 10" ten
 * seconds or ten milliseconds?) with the fix, except 0 where the flag allows zero.
 */
export function duration(name: string, rule: DurationRule = {}) {
  const { allowZero = false, minMs = 1, maxMs = 3_600_000 } = rule;
  return (raw: string): number => {
    const text = raw.trim();
    if (/^\d+(\.\d+)?$/.test(text) && Number(text) !== 0) {
      // Small numbers were most likely meant as seconds, large ones as milliseconds.
      const n = Number(text);
      const example = n < 100 ? `${text}s` : `${text}ms (${formatDuration(Math.round(n))})`;
      throw new InvalidArgumentError(`${name} ${text}: add a unit, e.g. ${example}.`);
    }
    const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(text);
    if (!m) throw new InvalidArgumentError(`${name} takes a duration such as 500ms, 10s or 2m, got "${raw}".`);
    const ms = Math.round(Number(m[1]) * must(UNIT_MS[m[2] ?? 'ms'], 'a factor for each unit the pattern accepts'));
    if (ms === 0) {
      if (allowZero) return 0;
      throw new InvalidArgumentError(`${name} must be above zero, got "${raw}".`);
    }
    if (ms > maxMs) throw new InvalidArgumentError(`${name} must be at most ${formatDuration(maxMs)}, got "${raw}".`);
    if (ms < minMs)
      throw new InvalidArgumentError(
        `${name} must be at least ${formatDuration(minMs)}${allowZero ? ' (or 0 for none)' : ''}, got "${raw}".`,
      );
    return ms;
  };
}

const SIZE_UNIT: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A size in bytes: 1048576, 512k, 1m, 1MiB (binary units, k = 1024), at least 1 byte. */
export function size(name: string, maxBytes = 1024 ** 3) {
  return (raw: string): number => {
    const m = /^(\d+)\s*([kmg]i?b?|b)?$/i.exec(raw.trim());
    if (!m) throw new InvalidArgumentError(`${name} takes a size in bytes or with k, m or g (e.g. 1m), got "${raw}".`);
    const n = Number(m[1]) * must(SIZE_UNIT[(m[2] ?? 'b').charAt(0).toLowerCase()], 'a factor for each unit the pattern accepts');
    if (n < 1 || n > maxBytes) throw new InvalidArgumentError(`${name} must be from 1 byte to ${formatSize(maxBytes)}, got "${raw}".`);
    return n;
  };
}

/** A fraction in (0, max): 0.15 or 15%. */
export function fraction(name: string, max = 1) {
  return (raw: string): number => {
    const m = /^(\d+(?:\.\d+)?)(%?)$/.exec(raw.trim());
    const n = m ? Number(m[1]) / (m[2] ? 100 : 1) : Number.NaN;
    if (!(n > 0 && n < max))
      throw new InvalidArgumentError(`${name} must be a fraction between 0 and ${max} (e.g. 0.15 or 15%), got "${raw}".`);
    return n;
  };
}

/** The items of a comma-separated list; a trailing comma is tolerated, an empty item is not. */
function items(name: string, raw: string, example: string): string[] {
  const parts = raw.split(',').map((s) => s.trim());
  if (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  if (parts.some((s) => s === ''))
    throw new InvalidArgumentError(`${name} takes one value or a comma-separated list such as ${example}, got "${raw}".`);
  return parts;
}

/** Refuses a list that names an item twice (it would silently run once). */
function noDuplicates<T>(name: string, list: readonly T[]): T[] {
  const twice = list.filter((x, i) => list.indexOf(x) !== i);
  if (twice.length > 0) throw new InvalidArgumentError(`${name} lists ${[...new Set(twice)].join(', ')} twice; name each once.`);
  return [...list];
}

/** A comma-separated list of names from `allowed`, each at most once. */
export function nameList<T extends string>(name: string, allowed: readonly T[]) {
  const what = name.replace(/^--/, '');
  return (raw: string): T[] => {
    if (raw.trim() === '' || raw.trim() === ',') throw new InvalidArgumentError(`${name} needs at least one of ${allowed.join(', ')}.`);
    const list = items(name, raw, allowed.slice(0, 2).join(','));
    const bad = list.filter((s) => !allowed.includes(s as T));
    if (bad.length > 0)
      throw new InvalidArgumentError(`unknown ${what} "${bad.join('", "')}"; choose from ${allowed.join(', ')} (comma-separated).`);
    return noDuplicates(name, list as T[]);
  };
}

/** A whole number or a comma-separated list of them (1,10,50), each at most once. */
export function wholeNumberList(name: string, min: number, max: number) {
  const one = wholeNumber(name, min, max);
  return (raw: string): number[] => noDuplicates(name, items(name, raw, '1,10,50').map(one));
}

/** A duration as --help and the README write it: "10s", "250ms", "1.5s", "2m". */
export function formatDuration(ms: number): string {
  if (ms !== 0 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1000 || ms === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A size as --help and the README write it: "1m", "16k", "100" (bytes when not a whole k). */
export function formatSize(bytes: number): string {
  for (const [unit, n] of [
    ['g', 1024 ** 3],
    ['m', 1024 ** 2],
    ['k', 1024],
  ] as const) {
    if (bytes >= n && bytes % n === 0) return `${bytes / n}${unit}`;
  }
  return String(bytes);
}

/** A fraction as --help writes it: 0.15 -> "15%". */
export function percent(fraction: number): string {
  return `${Number((fraction * 100).toPrecision(6))}%`;
}
