/**
 * Datetimes for coerce.ts: ISO-8601 text, a date, epoch milliseconds or a Date to UTC
 * `YYYY-MM-DD HH:MM:SS.mmm`, years 0001–9999 on every database: PostgreSQL's timestamp has no
 * year 0 (1 BC comes before AD 1: https://www.postgresql.org/docs/15/datatype-datetime.html).
 */
import type { SqlValue } from './coerce.js';
import { fail, Reject, show } from './coerce-reject.js';

export const YEARS = '0001–9999';

/**
 * ISO-8601 with `Z` or an offset, `YYYY-MM-DD HH:MM:SS[.f]` or `T` without a zone (taken as UTC),
 * or a date alone. Up to nine fraction digits are accepted; digits past milliseconds are cut.
 */
const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2})(?::?(\d{2}))?)?)?$/u;
const DAY_MS = 86_400_000;
/** Date.UTC maps years 0–99 to 1900–1999; 400 Gregorian years are exactly 146097 days. */
const FOUR_CENTURIES_MS = 146_097 * DAY_MS;

export function toDatetime(v: unknown): SqlValue | Reject {
  const expected = 'an ISO-8601 date-time';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? fail(expected, 'Invalid Date') : formatUtc(v.getTime(), v);
  // Epoch milliseconds; floor so a fraction is cut towards the past, as for fraction digits.
  if (typeof v === 'number') return Number.isFinite(v) ? formatUtc(Math.floor(v), v) : fail(`${expected} or epoch milliseconds`, v);
  if (typeof v !== 'string') return fail(expected, v);
  const m = DATE_TIME.exec(v);
  if (m === null) return fail(expected, v);
  const num = (i: number): number => Number(m[i] ?? 0);
  const [y, mo, d, h, mi, s, offH, offM] = [num(1), num(2), num(3), num(4), num(5), num(6), num(9), num(10)];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const offset = (m[8] === '-' ? -1 : 1) * (offH * 60 + offM);
  const bad =
    mo < 1 || mo > 12 ? `month ${mo}`
    : d < 1 || d > daysInMonth(y, mo) ? `day ${d} of ${m[1] ?? ''}-${m[2] ?? ''}`
    : h > 23 ? `hour ${h}`
    : mi > 59 ? `minute ${mi}`
    : s > 59 ? `second ${s}`
    : offH > 23 || offM > 59 ? `offset ${m[8] ?? ''}${m[9] ?? ''}:${m[10] ?? '00'}`
    : null;
  if (bad !== null) return new Reject(`invalid ${bad} in ${show(v)}`);
  // In UTC already, every field valid: the text is the fields as written (what formatUtc would
  // print from them), without building a Date. Year 0 goes through formatUtc, which refuses it.
  if (offset === 0 && y > 0) return `${m[1] ?? ''}-${m[2] ?? ''}-${m[3] ?? ''} ${m[4] ?? '00'}:${m[5] ?? '00'}:${m[6] ?? '00'}.${String(ms).padStart(3, '0')}`;
  let utc = Date.UTC(y < 100 ? y + 400 : y, mo - 1, d, h, mi, s, ms);
  if (y < 100) utc -= FOUR_CENTURIES_MS;
  return formatUtc(utc - offset * 60_000, v);
}

function daysInMonth(y: number, mo: number): number {
  if (mo === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(mo) ? 30 : 31;
}

/** `YYYY-MM-DD HH:MM:SS.mmm`, the literal format MySQL DATETIME(3) and SQLite both read. */
export function formatUtc(epochMs: number, original: unknown): SqlValue | Reject {
  const t = new Date(epochMs);
  const year = t.getUTCFullYear();
  if (Number.isNaN(year) || year < 1 || year > 9999) return new Reject(`${show(original)} is outside years ${YEARS}`);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return (
    `${p(year, 4)}-${p(t.getUTCMonth() + 1)}-${p(t.getUTCDate())} ` +
    `${p(t.getUTCHours())}:${p(t.getUTCMinutes())}:${p(t.getUTCSeconds())}.${p(t.getUTCMilliseconds(), 3)}`
  );
}
