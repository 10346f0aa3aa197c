/**
 * Exact arithmetic for the values of numeric columns, so that every database ends with the same
 * number. MariaDB's DECIMAL(p,s) rounds extra fraction digits half away from zero (12.345 →
 * 12.35, -0.005 → -0.01) and rejects more than p - s integer digits in strict mode; INT and
 * BIGINT reject what is out of their range (https://mariadb.com/kb/en/decimal/,
 * https://mariadb.com/kb/en/out-of-range-values/). SQLite has no DECIMAL and no range checks, so
 * values are rounded and checked here, and increments on SQLite run through `addNumeric` as a SQL
 * function (runtime/sinks/sqlite.ts) instead of `col + ?` in floating point.
 */
import type { SqlValue } from './coerce.js';

/** What exact arithmetic needs to know of a numeric column. */
export type Numeric =
  | { type: 'int' | 'bigint' }
  | { type: 'decimal'; precision: number; scale: number };

/** Signed 32- and 64-bit ranges of MySQL INT and BIGINT. */
export const INT_RANGE = { int: [-(2n ** 31n), 2n ** 31n - 1n], bigint: [-(2n ** 63n), 2n ** 63n - 1n] } as const;

const NUMBER_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/u;

/** A number's text as digits × 10^exponent (`12.5e3`: 125 × 10^2); undefined when it is no number. */
function numberParts(text: string): { negative: boolean; digits: bigint; digitCount: number; exponent: number } | undefined {
  const m = NUMBER_TEXT.exec(text);
  if (m === null) return undefined;
  const [, sign, int = '', frac = '', exp] = m;
  if (int === '' && frac === '') return undefined;
  const digitText = `${int}${frac}`;
  return { negative: sign === '-', digits: BigInt(digitText || '0'), digitCount: digitText.length, exponent: Number(exp ?? 0) - frac.length };
}

/**
 * A decimal's text (or a finite number, by its shortest round-trip text) as an integer count of
 * 10^-scale, rounded half away from zero. Undefined when the text is no number.
 */
export function scaledDecimal(v: string | number | bigint, scale: number): bigint | undefined {
  if (typeof v === 'bigint') return v * 10n ** BigInt(scale);
  const parts = numberParts(typeof v === 'number' ? String(v) : v);
  if (parts === undefined) return undefined;
  const { negative, digits, digitCount } = parts;
  // digits × 10^shift is the value × 10^scale.
  const shift = scale + parts.exponent;
  if (digits === 0n) return 0n;
  // Exact text may carry any exponent (1e-400, 1e999999999): past these bounds the value rounds
  // to 0, or is far beyond any column (MAX_SHIFT digits), without a BigInt power of that size.
  if (-shift > digitCount) return 0n;
  if (shift > MAX_SHIFT) return negative ? -BEYOND_ANY_COLUMN : BEYOND_ANY_COLUMN;
  let n: bigint;
  if (shift >= 0) n = digits * 10n ** BigInt(shift);
  else {
    const unit = 10n ** BigInt(-shift);
    n = digits / unit;
    if ((digits % unit) * 2n >= unit) n += 1n;
  }
  return negative ? -n : n;
}

/** A decimal holds at most 65 digits, a BIGINT 19: a larger shift only says "out of range". */
const MAX_SHIFT = 200;
const BEYOND_ANY_COLUMN = 10n ** BigInt(MAX_SHIFT);

/**
 * The largest integer not above the number `text` writes (epoch milliseconds cut towards the
 * past), exactly; undefined when the text is no number. Magnitudes past 10^MAX_SHIFT come back
 * as ±10^MAX_SHIFT, out of every range that reads them.
 */
export function floorOfText(text: string): bigint | undefined {
  const parts = numberParts(text);
  if (parts === undefined) return undefined;
  const { negative, digits, digitCount, exponent: shift } = parts;
  let whole: bigint;
  let rest = false;
  if (digits === 0n) whole = 0n;
  else if (shift > MAX_SHIFT) whole = BEYOND_ANY_COLUMN;
  else if (shift >= 0) whole = digits * 10n ** BigInt(shift);
  else if (-shift > digitCount) [whole, rest] = [0n, true];
  else {
    const unit = 10n ** BigInt(-shift);
    whole = digits / unit;
    rest = digits % unit !== 0n;
  }
  return negative ? -whole - (rest ? 1n : 0n) : whole;
}

/** `scaled` × 10^-scale as text with exactly `scale` fraction digits; zero is never negative. */
export function formatScaled(scaled: bigint, scale: number): string {
  const neg = scaled < 0n;
  const digits = (neg ? -scaled : scaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

/** Integer digits of a scaled value (0 for |v| < 1). */
export function integerDigits(scaled: bigint, scale: number): number {
  const whole = (scaled < 0n ? -scaled : scaled) / 10n ** BigInt(scale);
  return whole === 0n ? 0 : whole.toString().length;
}

/** The value of an integer column's SqlValue (number, integer text, or what SQLite hands back). */
function integerOf(v: SqlValue | bigint): bigint | undefined {
  if (typeof v === 'bigint') return v;
  // A REAL in an integer column (written before this version, or by hand) counts by its value.
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  if (typeof v === 'string' && /^-?\d+$/u.test(v)) return BigInt(v);
  return undefined;
}

/** An integer as the SqlValue the drivers take: a number when it is safe, else its text. */
function integerValue(n: bigint): SqlValue {
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n.toString();
}

export class NumericRangeError extends Error {
  /** Classified as a data error (retry.ts): the event at fault is dead-lettered, as MariaDB's 1264. */
  readonly code = 'SC_OUT_OF_RANGE';
  constructor(message: string) {
    super(message);
    this.name = 'NumericRangeError';
  }
}

/**
 * `a + b` exactly in the column's type; NULL when `a` is NULL (as SQL's `NULL + 1`). Throws
 * NumericRangeError when the sum does not fit the column, where MariaDB says "Out of range value"
 * (1264) or "BIGINT value is out of range" (1690).
 */
export function addNumeric(n: Numeric, a: SqlValue | bigint, b: SqlValue | bigint): SqlValue {
  if (a === null || b === null) return null;
  if (n.type === 'decimal') {
    const x = scaledDecimal(a, n.scale);
    const y = scaledDecimal(b, n.scale);
    if (x === undefined || y === undefined) throw new NumericRangeError(`cannot add ${String(b)} to ${String(a)}: not decimal numbers`);
    const sum = x + y;
    if (integerDigits(sum, n.scale) > n.precision - n.scale) throw new NumericRangeError(`out of range value for decimal(${n.precision},${n.scale}): ${formatScaled(sum, n.scale)}`);
    return formatScaled(sum, n.scale);
  }
  const x = integerOf(a);
  const y = integerOf(b);
  if (x === undefined || y === undefined) throw new NumericRangeError(`cannot add ${String(b)} to ${String(a)}: not integers`);
  const sum = x + y;
  const [min, max] = INT_RANGE[n.type];
  if (sum < min || sum > max) throw new NumericRangeError(`out of range value for ${n.type}: ${sum}`);
  return integerValue(sum);
}

/** `-v` exactly (decrements). */
export function negateNumeric(v: SqlValue): SqlValue {
  if (typeof v === 'number') return v === 0 ? 0 : -v;
  if (typeof v === 'string') return v.startsWith('-') ? v.slice(1) : /^0*\.?0*$/u.test(v) ? v : `-${v}`;
  return v;
}

/** `a + b` for merging two amounts of one increment; unlike `addNumeric`, never range-checked. */
export function sumAmounts(n: Numeric, a: SqlValue, b: SqlValue): SqlValue {
  if (a === null || b === null) return a ?? b;
  if (n.type === 'decimal') {
    const x = scaledDecimal(a, n.scale);
    const y = scaledDecimal(b, n.scale);
    return x === undefined || y === undefined ? Number(a) + Number(b) : formatScaled(x + y, n.scale);
  }
  const x = integerOf(a);
  const y = integerOf(b);
  return x === undefined || y === undefined ? Number(a) + Number(b) : integerValue(x + y);
}
