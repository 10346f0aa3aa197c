/**
 * What binding checks of JSON values before they reach SQL, dialect-free: how deep a document
 * nests, the JSON path text a `replace_in` position names, and a short safe description of a
 * value for a reason.
 */
import { ExactNumber } from '../../compile/exact-number.js';

/**
 * Deepest nesting of arrays and objects a json value may have: MariaDB's JSON functions and its
 * JSON_VALID check stop at 32 levels (json_lib's JSON_DEPTH_LIMIT), so a deeper value would be
 * rejected by MariaDB and kept by SQLite. Checked on both, before the value reaches SQL.
 */
export const MAX_JSON_DEPTH = 31;

/** The nesting depth of v (a scalar is 0, `[]` is 1), counted without recursion, stopping past `limit`. */
export function jsonDepth(v: unknown, limit: number): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[v, 0]];
  while (stack.length > 0) {
    const [x, d] = stack.pop() as [unknown, number];
    if (x === null || typeof x !== 'object' || x instanceof ExactNumber) continue;
    const here = d + 1;
    if (here > deepest) deepest = here;
    if (deepest > limit) return deepest;
    for (const child of Array.isArray(x) ? x : Object.values(x)) if (child !== null && typeof child === 'object') stack.push([child, here]);
  }
  return deepest;
}

/**
 * Largest array index a JSON path may name. MariaDB reads indexes as 32-bit: `$[4294967295]` is
 * the last element and `$[4294967296]` the first, so anything past 2^31 - 1 is refused rather
 * than let a huge number (or `1e300`, which prints as `1e+300`) address some other element.
 */
export const MAX_JSON_INDEX = 2 ** 31 - 1;

/**
 * JSON path text for MySQL/SQLite JSON functions: numbers index arrays, strings name keys.
 * `{ path }`, or `{ missing: i }` when segment i is missing or null, or `{ invalid }` saying why
 * segment i cannot be part of a path.
 */
export function jsonPath(segments: unknown[]): { path: string } | { missing: number } | { invalid: string } {
  let path = '$';
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i];
    if (s === undefined || s === null) return { missing: i };
    if (typeof s === 'number' || (typeof s === 'string' && /^\d+$/.test(s))) {
      const n = Number(s);
      if (!Number.isInteger(n) || n < 0 || n > MAX_JSON_INDEX || (typeof s === 'string' && s.length > 1 && s.startsWith('0'))) {
        return { invalid: `array index ${describeValue(s)} is not an integer from 0 to ${MAX_JSON_INDEX}` };
      }
      path += `[${n}]`;
    } else if (typeof s === 'string' && s !== '') {
      path += `.${JSON.stringify(s)}`;
    } else {
      return { invalid: `${describeValue(s)} is neither an array index nor a key` };
    }
  }
  return { path };
}

/** A short, safe description of an event value for a reason text (never JSON.stringify of a deep value). */
export function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 37)}...` : v);
  if (v instanceof ExactNumber) return v.text.length > 40 ? `${v.text.slice(0, 37)}...` : v.text;
  if (Array.isArray(v)) return 'an array';
  if (v === null) return 'null';
  if (typeof v === 'object') return 'an object';
  return String(v);
}
