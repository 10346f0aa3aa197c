/**
 * Evaluated value → SQL parameter for one column. Strict on purpose: MySQL in non-strict mode
 * silently turns 'abc' into 0 and '2026-02-30' into a zero date, so a value that does not fit its
 * column is rejected here with a message, before it reaches the database.
 * https://dev.mysql.com/doc/refman/8.0/en/sql-mode.html#sql-mode-strict
 */
import type { ColumnDef } from '../compile/plan.js';
import type { ColumnType } from '../spec/types.js';
import { ExactNumber, jsonText } from '../compile/exact-number.js';
import { floorOfText, formatScaled, integerDigits, INT_RANGE, scaledDecimal } from './numeric.js';
import { fail, Reject, show } from './coerce-reject.js';
import { formatUtc, toDatetime, YEARS } from './coerce-datetime.js';

export type SqlValue = string | number | null;

export class CoerceError extends Error {
  constructor(
    readonly column: string,
    readonly type: ColumnType,
    readonly reason: string,
  ) {
    super(`column ${column} (${type}): ${reason}`);
    this.name = 'CoerceError';
  }
}

/**
 * Convert `v` for `col`. `undefined` and `null` become SQL NULL; whether NULL is allowed, or a
 * default applies, is the caller's decision. Throws `CoerceError` when the value cannot fit.
 */
export function coerce(col: ColumnDef, v: unknown): SqlValue {
  const out = fit(col, convert(col, v, false));
  if (out instanceof Reject) throw new CoerceError(col.name, col.type, out.reason);
  return out;
}

/** Validate-time check of a literal against its column: the error message, or null when it fits. */
export function coerceLiteral(col: ColumnDef, v: unknown): string | null {
  const out = fit(col, convert(col, v, true));
  return out instanceof Reject ? new CoerceError(col.name, col.type, out.reason).message : null;
}

function fit(col: ColumnDef, out: SqlValue | Reject): SqlValue | Reject {
  return col.type === 'string' || col.type === 'text' ? fitLength(col, out) : out;
}

/**
 * DECIMAL(p,s) rounds to s fraction digits, half away from zero (12.345 → 12.35, -0.005 → -0.01),
 * and holds p - s integer digits after rounding; more is "out of range" in strict mode (MariaDB
 * manual, "DECIMAL"). SQLite would keep 12.345 and any magnitude, so the rounding is done here
 * for both and the result travels as exact text: every database stores the same number.
 */
function toDecimal(col: ColumnDef, v: unknown): SqlValue | Reject {
  const precision = col.precision ?? 18;
  const scale = col.scale ?? 2;
  // An exact number's text is a JSON number: it is rounded from its digits as written.
  const exact = v instanceof ExactNumber ? v.text : undefined;
  const plain = plainDecimal(exact ?? v, precision, scale);
  if (plain !== undefined) return plain;
  if (exact === undefined && !((typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && DECIMAL.test(v)))) return fail('a decimal number', v);
  const scaled = scaledDecimal(exact ?? (v as string | number), scale);
  if (scaled === undefined) return fail('a decimal number', v);
  const digits = integerDigits(scaled, scale);
  if (digits > precision - scale) return new Reject(`${show(v)} is out of range for decimal(${precision},${scale}): ${digits > 100 ? 'more than 100' : digits} integer digits, at most ${precision - scale}`);
  return formatScaled(scaled, scale);
}
/** A canonical decimal's text: no `+`, no leading zeros, a fraction unless the scale is 0. */
const PLAIN_DECIMAL = /^(-?)(0|[1-9]\d*)(?:\.(\d+))?$/u;

/**
 * The common case without BigInt arithmetic: a number or text already canonical, with no more
 * fraction digits than the scale (nothing to round) and few enough integer digits, is the
 * column's text once its fraction is padded to the scale; the very text formatScaled would
 * give. Undefined for anything else (rounding, exponents, `-0`, out of range), which takes the
 * exact path.
 */
function plainDecimal(v: unknown, precision: number, scale: number): string | undefined {
  const text = typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;
  if (text === undefined || text.length > 40) return undefined;
  const m = PLAIN_DECIMAL.exec(text);
  if (m === null) return undefined;
  const int = m[2] as string;
  const frac = m[3] ?? '';
  if (frac.length > scale || (int === '0' ? 0 : int.length) > precision - scale) return undefined;
  // -0, -0.00: formatScaled never writes a negative zero.
  if (m[1] === '-' && int === '0' && !/[1-9]/u.test(frac)) return undefined;
  return scale === 0 ? `${m[1] ?? ''}${int}` : `${m[1] ?? ''}${int}.${frac.padEnd(scale, '0')}`;
}

/**
 * VARCHAR(n) holds n characters (code points), not bytes (MySQL manual, "The CHAR and VARCHAR
 * Types"); MEDIUMTEXT holds 16,777,215 bytes. SQLite does not enforce lengths at all, so the
 * check is made here for both, and a value too long is the event's error (dead-lettered) on every
 * database alike. A lone surrogate (JSON allows "\ud800") has no UTF-8 form: each driver would
 * store U+FFFD instead, a silent change, so it is refused.
 */
function fitLength(col: ColumnDef, out: SqlValue | Reject): SqlValue | Reject {
  if (typeof out !== 'string') return out;
  const bad = unstorable(out);
  if (bad !== undefined) return new Reject(`value ${bad}`);
  if (col.type === 'text') {
    // Each UTF-16 unit takes at most 3 bytes of UTF-8, so only long text needs counting.
    const bytes = out.length * 3 <= MEDIUMTEXT_BYTES ? 0 : Buffer.byteLength(out, 'utf8');
    return bytes > MEDIUMTEXT_BYTES ? new Reject(`value of ${bytes} bytes is longer than a text column's ${MEDIUMTEXT_BYTES}`) : out;
  }
  if (col.length === undefined || out.length <= col.length) return out;
  const chars = [...out].length;
  return chars > col.length ? new Reject(`value of ${chars} characters is longer than ${col.length}`) : out;
}

/** In a `u` regex a surrogate pair is one code point, so \p{Cs} matches only unpaired halves. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * PostgreSQL's text and jsonb cannot hold U+0000, so it is refused on every database: one event is
 * a dead letter everywhere (https://www.postgresql.org/docs/15/datatype-character.html).
 */
/** Why a string has no place in a column of every database; undefined when it has. */
function unstorable(s: string): string | undefined {
  if (LONE_SURROGATE.test(s)) return 'holds a lone UTF-16 surrogate, which has no UTF-8 form';
  return s.includes('\u0000') ? 'holds a NUL character (\\u0000), which PostgreSQL cannot store: refused on every database' : undefined;
}
const MEDIUMTEXT_BYTES = 16_777_215;

const INTEGER = /^-?\d+$/u;
const DECIMAL = /^-?(?:\d+(?:\.\d*)?|\.\d+)$/u;

/**
 * `literal`: a value of the spec, whose numbers the YAML parser read as doubles; an event's
 * numbers are exact (the decoder keeps any a double would change as an ExactNumber).
 */
function convert(col: ColumnDef, v: unknown, literal: boolean): SqlValue | Reject {
  if (v === undefined || v === null) return null;
  const type = col.type;
  if (typeof v === 'object' && v instanceof ExactNumber && type !== 'decimal' && type !== 'json') return exactNumber(type, v);
  switch (type) {
    case 'string':
    case 'text':
      if (typeof v === 'string') return v;
      if ((typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      return fail('a string', v);
    case 'int':
    case 'bigint':
      return toInteger(type, v, literal);
    case 'decimal':
      return toDecimal(col, v);
    case 'boolean':
      if (v === true || v === 1 || v === 'true') return 1;
      if (v === false || v === 0 || v === 'false') return 0;
      return fail('true, false, 1 or 0', v);
    case 'datetime':
      return toDatetime(v);
    case 'json':
      return toJson(v);
    default: {
      const unknownType: never = type;
      return new Reject(`unknown column type ${String(unknownType)}`);
    }
  }
}

/**
 * A number a double cannot hold (exact-number.ts), by its text: text columns take it as written,
 * integers only when its value is whole (1e-400 is a fraction, though JSON.parse makes it 0),
 * datetimes as epoch milliseconds cut towards the past. Never through a rounded double.
 */
function exactNumber(type: Exclude<ColumnDef['type'], 'decimal' | 'json'>, v: ExactNumber): SqlValue | Reject {
  switch (type) {
    case 'string':
    case 'text':
      return v.text;
    case 'int':
    case 'bigint': {
      const floor = floorOfText(v.text);
      const ceil = floorOfText(v.text.startsWith('-') ? v.text.slice(1) : `-${v.text}`);
      if (floor === undefined || ceil === undefined || floor !== -ceil) return fail('an integer', v);
      const [min, max] = INT_RANGE[type];
      if (floor < min || floor > max) return new Reject(`${show(v)} is out of range (${min} to ${max})`);
      return floor >= -9007199254740991n && floor <= 9007199254740991n ? Number(floor) : floor.toString();
    }
    case 'datetime': {
      const ms = floorOfText(v.text);
      // Years 0001–9999 lie well within ±10^15 ms; formatUtc says which bound was crossed.
      if (ms === undefined || ms < -(10n ** 15n) || ms > 10n ** 15n) return new Reject(`${show(v)} is outside years ${YEARS}`);
      return formatUtc(Number(ms), v);
    }
    case 'boolean':
      return fail('true, false, 1 or 0', v);
    default: {
      const unknownType: never = type;
      return new Reject(`unknown column type ${String(unknownType)}`);
    }
  }
}

/** INT's range as numbers: a safe integer is checked without a BigInt (any fits a BIGINT). */
const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

function toInteger(type: 'int' | 'bigint', v: unknown, literal: boolean): SqlValue | Reject {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number' && Number.isSafeInteger(v) && (type === 'bigint' || (v >= INT_MIN && v <= INT_MAX))) return v;
  let big: bigint;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) return fail('an integer', v);
    // Past 2^53 a spec's number has already lost digits in the YAML parser; only a string keeps
    // them. An event's number past 2^53 is exact here (2^53 itself; the rest are ExactNumbers).
    if (literal && !Number.isSafeInteger(v)) return fail('an integer', v, ' (beyond 2^53 it must be written as a string)');
    // The number's value is its shortest text (1234567890123456800), not the double's binary
    // value (…768); past 1e21 that text has an exponent, and the value is out of range anyway.
    big = Math.abs(v) < 1e21 ? BigInt(String(v)) : BigInt(v);
  } else if (typeof v === 'string' && INTEGER.test(v)) {
    big = BigInt(v);
  } else if (typeof v === 'bigint') {
    big = v;
  } else {
    return fail('an integer', v);
  }
  const [min, max] = INT_RANGE[type];
  if (big < min || big > max) return new Reject(`${show(v)} is out of range (${min} to ${max})`);
  // Strings stay strings so integers beyond 2^53 reach the driver intact; '007' becomes '7'.
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : big.toString();
}

/** JSON.stringify would write NaN and Infinity as null and drop functions; refuse instead. */
function toJson(v: unknown): SqlValue | Reject {
  try {
    // Exact numbers (past a double's digits or range) are written as they came.
    const text: unknown = jsonText(v, (key, x: unknown) => {
      if (typeof x === 'number' && !Number.isFinite(x)) throw new Reject(`a JSON value cannot hold ${String(x)}`);
      // JSON.stringify writes a lone surrogate as \ud800, which MariaDB's JSON_VALID refuses.
      const bad = (typeof x === 'string' ? unstorable(x) : undefined) ?? unstorable(key);
      if (bad !== undefined) throw new Reject(`a JSON value ${bad}`);
      return x;
    });
    return typeof text === 'string' ? text : fail('a JSON value', v);
  } catch (e) {
    // TypeError: BigInt values and circular structures.
    return e instanceof Reject ? e : new Reject(`not serializable as JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}
