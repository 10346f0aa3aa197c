/**
 * Reading JSON text where JSON.parse would change a number. JSON.parse rounds numbers past 2^53
 * (9007199254740993 parses as …992), past 15 significant digits, and past a double's exponents
 * (1e-400 is 0). A cheap scan on every message finds the few that may hold such a number; only
 * those are parsed again, losslessly (`parseExact`). `rawJsonAt` reads one value's text back (a
 * numeric event id), on text JSON.parse has already accepted, so the scanners need not validate.
 */
import { parse } from 'lossless-json';
import { ExactNumber } from '../../compile/exact-number.js';

/**
 * The raw text of the value at `segments` (object keys, array indexes) in `text`, or undefined
 * when the path does not lead to a value. A duplicated key resolves to its last occurrence, as in
 * JSON.parse.
 */
export function rawJsonAt(text: string, segments: ReadonlyArray<string | number>): string | undefined {
  let start = skipSpace(text, 0);
  for (const seg of segments) {
    const found = child(text, start, seg);
    if (found === undefined) return undefined;
    start = found;
  }
  return text.slice(start, valueEnd(text, start));
}

/**
 * Some number of the text may have changed in JSON.parse. A decimal of at most 15 significant
 * digits (DBL_DIG) comes back from a normal double exactly, so a change needs 16 digits or more,
 * which stand together (at most a `.` among them), or an exponent of three digits (1e-400 is 0,
 * 1e400 Infinity, 1.2345e-310 a subnormal with fewer digits). The cheap check on every message,
 * on text JSON.parse accepted: a number stands at the start or after `:`, `,` or `[` (spaces
 * aside), so only what follows those characters is read, found with indexOf (a regex over the
 * whole text, or a loop over every character, cost as much as JSON.parse: bench/decode.mjs).
 * Hits inside strings (`"00:00:01"`) are read too; false positives only cost `inexactNumberIn`.
 */
export function mayHoldInexactNumber(text: string): boolean {
  if (inexactShapeAt(text, 0)) return true;
  for (const c of NUMBER_STARTS) {
    for (let i = text.indexOf(c); i !== -1; i = text.indexOf(c, i + 1)) if (inexactShapeAt(text, i + 1)) return true;
  }
  return false;
}

const NUMBER_STARTS = [':', ',', '['];
const INEXACT_SHAPE = /[\d.]{16}|[eE][+-]?\d{3}/;

/** Whether a number starts at `i` (spaces aside) whose text has an inexact shape; none is shorter than `1e400`. */
function inexactShapeAt(text: string, i: number): boolean {
  i = skipSpace(text, i);
  const c = text.charCodeAt(i);
  if (!((c >= 0x30 && c <= 0x39) || c === 0x2d)) return false;
  let e = i + 1;
  while (e < text.length && isNumberChar(text.charCodeAt(e))) e++;
  return e - i >= 5 && INEXACT_SHAPE.test(text.slice(i, e));
}

/** 0-9 . e E + - */
function isNumberChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}

/** A string literal (skipped whole, so digits inside strings are no numbers) or a number. */
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*/gu;

/** Whether a number token of the JSON text differs from the double JSON.parse makes of it. */
export function inexactNumberIn(text: string): boolean {
  for (const m of text.matchAll(TOKEN)) {
    const t = m[0];
    if (t.charCodeAt(0) !== 0x22 && !isExactDouble(t)) return true;
  }
  return false;
}

/** Whether Number(t) is the value `t` writes: its shortest text has the same digits and exponent. */
export function isExactDouble(t: string): boolean {
  const n = Number(t);
  return Number.isFinite(n) && decimalKey(t) === decimalKey(String(n));
}

/** A number's value as text: significant digits and the exponent of the last one (`-12e3`, `0`). */
function decimalKey(t: string): string {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/u.exec(t);
  if (m === null) return `?${t}`;
  const all = `${m[2] ?? ''}${m[3] ?? ''}`;
  const digits = all.replace(/^0+/u, '');
  const trimmed = digits.replace(/0+$/u, '');
  if (trimmed === '') return '0';
  // Exponents past 2^53 are beyond any double anyway: Number() keeps them apart well enough.
  const exp = Number(m[4] ?? 0) - (m[3] ?? '').length + (digits.length - trimmed.length);
  return `${m[1] ?? ''}${trimmed}e${exp}`;
}

/** JSON.parse, with numbers it would change kept exact (`parseExact`, on the rare text only). */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return mayHoldInexactNumber(text) && inexactNumberIn(text) ? parseExact(text) : value;
}

/**
 * The value of JSON text whose numbers JSON.parse would change (`inexactNumberIn`): numbers a
 * double holds exactly are numbers, the others ExactNumbers with their text. Duplicate keys keep
 * the last value, as JSON.parse does. Only called on the rare path: lossless-json parses in
 * JavaScript, several times slower than JSON.parse (bench/decode.mjs).
 */
export function parseExact(text: string): unknown {
  return parse(text, null, {
    parseNumber: (t) => (isExactDouble(t) ? Number(t) : new ExactNumber(t)),
    onDuplicateKey: (d) => d.newValue,
  });
}

/** The position of the first character at or after `i` that is not JSON whitespace. */
export function skipSpace(text: string, i: number): number {
  let c = text.charCodeAt(i);
  while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = text.charCodeAt(++i);
  return i;
}

/** The position just after the string literal starting at `i` (a `"`). */
export function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 0x5c) j++;
    else if (c === 0x22) return j + 1;
  }
  return text.length;
}

/** The position just after the value starting at `i` (text JSON.parse accepted). */
export function valueEnd(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return stringEnd(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (let j = i; j < text.length; j++) {
      const d = text[j];
      if (d === '"') j = stringEnd(text, j) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return j + 1;
      }
    }
    return text.length;
  }
  // A number, true, false or null: up to the next delimiter.
  let j = i;
  for (let c = text.charCodeAt(j); j < text.length && c !== 0x2c && c !== 0x7d && c !== 0x5d && c > 0x20; c = text.charCodeAt(++j));
  return j;
}

/** The start of the member `seg` of the object or array whose value starts at `i`. */
function child(text: string, i: number, seg: string | number): number | undefined {
  const open = text[i];
  if (typeof seg === 'number') {
    if (open !== '[') return undefined;
    let j = skipSpace(text, i + 1);
    for (let n = 0; text[j] !== ']' && j < text.length; n++) {
      if (n === seg) return j;
      j = skipSpace(text, valueEnd(text, j));
      if (text[j] === ',') j = skipSpace(text, j + 1);
    }
    return undefined;
  }
  if (open !== '{') return undefined;
  let found: number | undefined;
  let j = skipSpace(text, i + 1);
  while (text[j] === '"') {
    const keyEnd = stringEnd(text, j);
    const raw = text.slice(j + 1, keyEnd - 1);
    const key = raw.includes('\\') ? (JSON.parse(text.slice(j, keyEnd)) as string) : raw;
    j = skipSpace(text, keyEnd);
    j = skipSpace(text, j + 1); // the ':'
    if (key === seg) found = j;
    j = skipSpace(text, valueEnd(text, j));
    if (text[j] === ',') j = skipSpace(text, j + 1);
  }
  return found;
}
