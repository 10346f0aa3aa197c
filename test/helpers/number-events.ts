/**
 * Events written as raw JSON text (numbers as the producer wrote them: past 2^53, 16–25
 * significant digits, 1e-400, 1e400, 1E2, -0, 1.50; strings with escapes and non-ASCII; now and
 * then bytes that are not UTF-8) and an oracle of what the README promises each column stores:
 * the value as written (decimals rounded half away from zero to the scale), or a dead letter.
 * The oracle computes from the text with BigInt, never through a double or the engine's code.
 */
import { isUtf8 } from 'node:buffer';
import fc from 'fast-check';
import { parse } from 'lossless-json';

/** A value's JSON text, or the bytes of one that is not UTF-8 (the whole event is then a dead letter). */
export type Lit = string | Buffer;
export const FIELDS = ['n', 'i', 'd', 'w', 's', 'j', 'sk'] as const;
export type Field = (typeof FIELDS)[number];
/**
 * `ws`: the whitespace after each `:` and `,` of the envelope and data (never a line break: the
 * NDJSON line would end); `decoy`: an earlier member of the same name, which the last one overrides
 * as in JSON.parse (an earlier event_id, or an earlier value of the first data field); `escaped`:
 * member names written with \u escapes (`"event\u005fid"` is event_id).
 */
export interface Draft { id: string; fields: Partial<Record<Field, Lit>>; ws: string; decoy: string | undefined; escaped: boolean; line: Line }
/**
 * How the message travels: its Kafka key's bytes after `k<i>` (not always UTF-8), and how the
 * NDJSON line writes key and value: the key with \u escapes or as its bytes, the value as JSON
 * or as a string of its bytes (`value_raw`).
 */
export interface Line { keyTail: readonly number[]; keyEscaped: boolean; valueRaw: boolean }
const lineArb: fc.Arbitrary<Line> = fc.record({
  keyTail: fc.oneof({ weight: 6, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.constantFrom([0xc3, 0xa9], [0xf0, 0x9f, 0x98, 0x80], [0x20]) }, { weight: 1, arbitrary: fc.constantFrom([0xff], [0xfe], [0xc3], [0xed, 0xa0, 0x80]) }),
  keyEscaped: fc.boolean(),
  valueRaw: fc.boolean(),
});
/** d: decimal(precision, scale); w: a wide decimal(wide, wideScale), past the 15 digits SQLite keeps. */
export interface Shape { precision: number; scale: number; wide: number; wideScale: number; length: number }
/** Expected outcome: the row's cells in canonical form (keyed by column), or a dead letter. */
/** `exactTexts`: the json document's numbers a double cannot hold, to be found in the stored text as written. */
export type Expected = { dead: true } | { dead: false; id: string; row: Record<Field, string | null>; exactTexts: string[] };

const digitRun = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: min, maxLength: max });
const sign = fc.constantFrom('', '', '-');
const intPart = digitRun(1, 25).map((d) => d.replace(/^0+(?=\d)/u, ''));

/** A JSON number, always valid JSON. */
export const numberLit: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -100000, max: 100000 }).map(String) },
  { weight: 3, arbitrary: fc.tuple(sign, intPart).map(([s, d]) => `${s}${d}`) },
  // 16–25 significant digits with a fraction: a double keeps about 15.
  { weight: 3, arbitrary: fc.tuple(sign, fc.integer({ min: 1, max: 12 }), fc.integer({ min: 16, max: 25 })).chain(([s, i, all]) => fc.tuple(digitRun(i, i), digitRun(all - i, all - i)).map(([a, b]) => `${s}${a.replace(/^0+(?=\d)/u, '') || '1'}.${b}`)) },
  // Near a tie at some scale: 5 then zeros then maybe a 1 far away (a double loses the 1).
  { weight: 2, arbitrary: fc.tuple(sign, digitRun(1, 6), digitRun(0, 5), fc.integer({ min: 0, max: 20 }), fc.constantFrom('', '1', '9'), fc.constantFrom('5', '4')).map(([s, a, b, z, tail, t]) => `${s}${a.replace(/^0+(?=\d)/u, '')}.${b}${t}${(t === '4' ? '9' : '0').repeat(z)}${tail}`) },
  { weight: 2, arbitrary: fc.tuple(sign, digitRun(1, 20), fc.constantFrom('e', 'E', 'e+', 'e-', 'E-'), fc.constantFrom(0, 1, 2, 3, 15, 20, 308, 309, 324, 325, 400)).map(([s, m, e, x]) => `${s}${m.replace(/^0+(?=\d)/u, '')}${e}${x}`) },
  { weight: 3, arbitrary: fc.constantFrom('9007199254740993', '-9007199254740993', '9007199254740992', '1152921504606846976', '1234567890123456800', '9223372036854775807', '9223372036854775808', '-9223372036854775808', '-9223372036854775809', '2147483647', '2147483648', '-2147483648', '-2147483649', '1e-400', '1e400', '-1e400', '1E2', '1e2', '-0', '-0.0', '0e999', '1.50', '1.0', '100.000', '1.005', '2.675', '-0.005', '1.00499999999999999999', '1.00500000000000000000001', '1234567890123456.78', '12345678901234567890', '4.9e-324', '1.7976931348623157e308', '123456789012345678e-3') },
);

const STRINGS = ['"caf\\u00e9 é"', '"\\ud83d\\ude00😀"', '"t\\tn\\nl"', '"q\\"b\\\\s\\/"', '"漢字かな"', '"\\u0000"', '""', '" "', '"e\\u0301"', '"1e400"'];
/** A JSON string: mostly valid text, at times a lone surrogate (no UTF-8 form: a dead letter). */
export const stringLit: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.string({ unit: 'grapheme', maxLength: 5 }).map((s) => JSON.stringify(s)) },
  { weight: 4, arbitrary: fc.constantFrom(...STRINGS) },
  { weight: 1, arbitrary: fc.constantFrom('"\\ud800"', '"x\\udc00y"') },
);

/** A string literal whose bytes are not UTF-8 (0xFF, a cut sequence, an encoded surrogate, an overlong form). */
const badBytes: fc.Arbitrary<Lit> = fc.constantFrom([0xff], [0xfe, 0xff], [0xc3], [0xed, 0xa0, 0x80], [0xc0, 0xaf], [0xe2, 0x82])
  .map((b) => Buffer.concat([Buffer.from('"a'), Buffer.from(b), Buffer.from('b"')]));

/** JSON whitespace a number may stand after; the cheap inexact-number check must look past it. */
const wsArb = fc.constantFrom('', '', '', ' ', '\t', ' \t  ');

const KEYS = ['"a"', '"b"', '"c"', '"\\u00e9t\\u00e9"', '"😀"', '"k\\n"', '"9007199254740993"'];
/** A json column's document: numbers at any depth. */
export const jsonLit: fc.Arbitrary<string> = fc.letrec<{ value: string; arr: string; obj: string }>((tie) => ({
  value: fc.oneof({ maxDepth: 3, depthIdentifier: 'doc' }, { weight: 4, arbitrary: numberLit }, { weight: 1, arbitrary: stringLit }, { weight: 1, arbitrary: fc.constantFrom('true', 'false', 'null') }, { weight: 2, arbitrary: tie('arr') }, { weight: 2, arbitrary: tie('obj') }),
  arr: fc.tuple(fc.array(tie('value'), { maxLength: 3, depthIdentifier: 'doc' }), wsArb).map(([xs, w]) => `[${w}${xs.join(`,${w}`)}]`),
  obj: fc.tuple(fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), tie('value')), { maxLength: 3, selector: ([k]) => k, depthIdentifier: 'doc' }), wsArb)
    .map(([xs, w]) => `{${xs.map(([k, v]) => `${k}:${w}${v}`).join(`,${w}`)}}`),
})).value;

const integerField: fc.Arbitrary<Lit> = fc.oneof({ weight: 8, arbitrary: fc.integer().map(String) }, { weight: 6, arbitrary: numberLit }, { weight: 1, arbitrary: fc.constantFrom('"9007199254740993"', '"-12"', '"007"', '" 1"', '"1e3"', 'true', 'false', 'null') });
const decimalField: fc.Arbitrary<Lit> = fc.oneof({ weight: 4, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }).map(String) }, { weight: 8, arbitrary: numberLit }, { weight: 1, arbitrary: fc.constantFrom('"12.345"', '"-0.005"', '".5"', '"5."', '"1e5"', '"abc"', 'true', 'null') });
const stringField: fc.Arbitrary<Lit> = fc.oneof({ weight: 16, arbitrary: stringLit }, { weight: 2, arbitrary: numberLit }, { weight: 1, arbitrary: badBytes });

const fieldsArb = fc.record({ n: integerField, i: integerField, d: decimalField, w: decimalField, s: stringField, j: jsonLit }, { requiredKeys: [] });

/** Ids numeric or not; a numeric id sits beside the string JSON.parse would have made of it ("1000e2" and "100000"). */
const NUMERIC_IDS = (b: number): string[] => [`${b}e2`, `${b}.50`, `${b}.0`, `${9007199254740993n + 2n * BigInt(b)}`, `${b}E1`, '-0', '1e400', `${b}`];
const idGroupArb = fc.tuple(fc.integer({ min: 0, max: 7 }), fc.integer({ min: 1000, max: 99999 }), fc.boolean(), fc.boolean());

export const draftsArb = (min: number, max: number): fc.Arbitrary<Draft[]> =>
  fc.array(fc.tuple(fieldsArb, idGroupArb, wsArb, fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: numberLit }), fc.boolean(), lineArb), { minLength: min, maxLength: max }).map((events) => {
    const used = new Set<string>();
    let twin: string | undefined;
    return events.map(([fields, [form, b, numeric, paired], ws, decoy, escaped, line], i) => {
      let id = JSON.stringify(`e${b}`);
      if (twin !== undefined) [id, twin] = [twin, undefined];
      else if (numeric) {
        const t = NUMERIC_IDS(b)[form] as string;
        const pair = [t, JSON.stringify(String(Number(t)))];
        [id, twin] = paired ? [pair[1] as string, pair[0]] : [pair[0] as string, pair[1]];
      }
      // Each id once (a repeat would be a duplicate, dropped): s<i> meets no other form.
      if (used.has(idKey(id))) id = JSON.stringify(`s${i}`);
      used.add(idKey(id));
      return { id, fields, ws, decoy, escaped, line };
    });
  });

/** An event id as the engine records it: a string's value, a number's text as written. */
export function idKey(lit: string): string {
  return lit.startsWith('"') ? (JSON.parse(lit) as string) : lit;
}

export function eventBytes(d: Draft, key: string): Buffer {
  const w = d.ws;
  // The last letter of each name as a \u escape, when asked: the same member to JSON.parse.
  const name = (n: string): string => (d.escaped ? `${n.slice(0, -1)}\\u${n.charCodeAt(n.length - 1).toString(16).padStart(4, '0')}` : n);
  const present = FIELDS.filter((f) => d.fields[f] !== undefined);
  const decoyId = d.decoy === undefined ? '' : `"event_id":${w}${d.decoy},${w}`;
  const decoyField = d.decoy === undefined || present[0] === undefined ? '' : `"${name(present[0])}":${w}${d.decoy},${w}`;
  const parts: Buffer[] = [Buffer.from(`{${w}${decoyId}"event_type":${w}"num.set",${w}"${name('event_id')}":${w}${d.id},${w}"entity_id":${w}"${key}",${w}"entity_version":${w}1,${w}"data":${w}{${decoyField}`)];
  present.forEach((f, n) => {
    const lit = d.fields[f] as Lit;
    parts.push(Buffer.from(`${n > 0 ? `,${w}` : ''}"${name(f)}":${w}`), Buffer.isBuffer(lit) ? lit : Buffer.from(lit, 'utf8'));
  });
  parts.push(Buffer.from('}}'));
  return Buffer.concat(parts);
}

/** A decimal number's exact value: digits × 10^exp. */
interface Dec { neg: boolean; digits: bigint; exp: number }
const NUM = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/u;
function dec(text: string): Dec | undefined {
  const m = NUM.exec(text);
  if (m === null || `${m[2] ?? ''}${m[3] ?? ''}` === '') return undefined;
  return { neg: m[1] === '-', digits: BigInt(`${m[2] ?? ''}${m[3] ?? ''}` || '0'), exp: Number(m[4] ?? 0) - (m[3] ?? '').length };
}

/** The value as one text per number (`-125e-2`, `0`): equal texts, equal numbers. */
export function numberKey(text: string): string {
  const v = dec(text);
  if (v === undefined) return `?${text}`;
  if (v.digits === 0n) return '0';
  const s = v.digits.toString();
  const t = s.replace(/0+$/u, '');
  return `${v.neg ? '-' : ''}${t}e${v.exp + s.length - t.length}`;
}

const DEAD = Symbol('dead');
type Cell = string | null | typeof DEAD;
const pow10 = (n: number): bigint => 10n ** BigInt(n);

function integerCell(lit: string, type: 'int' | 'bigint'): Cell {
  let n: bigint;
  if (lit === 'null') return null;
  if (lit === 'true' || lit === 'false') return lit === 'true' ? '1' : '0';
  if (lit.startsWith('"')) {
    const s = JSON.parse(lit) as string;
    if (!/^-?\d+$/u.test(s)) return DEAD;
    n = BigInt(s);
  } else {
    const v = dec(lit) as Dec;
    if (v.exp >= 0) n = v.digits * pow10(v.exp);
    else if (v.digits % pow10(-v.exp) !== 0n) return DEAD;
    else n = v.digits / pow10(-v.exp);
    if (v.neg) n = -n;
  }
  const bits = type === 'int' ? 31n : 63n;
  return n < -(2n ** bits) || n >= 2n ** bits ? DEAD : n.toString();
}

function decimalCell(lit: string, p: number, s: number): Cell {
  if (lit === 'null') return null;
  if (lit === 'true' || lit === 'false') return DEAD;
  const text = lit.startsWith('"') ? (JSON.parse(lit) as string) : lit;
  if (lit.startsWith('"') && !/^-?(?:\d+(?:\.\d*)?|\.\d+)$/u.test(text)) return DEAD;
  const v = dec(text) as Dec;
  const shift = v.exp + s;
  let q: bigint;
  if (shift >= 0) q = v.digits * pow10(shift);
  else {
    const unit = pow10(-shift);
    q = v.digits / unit + ((v.digits % unit) * 2n >= unit ? 1n : 0n);
  }
  const whole = (q / pow10(s)).toString();
  if ((whole === '0' ? 0 : whole.length) > p - s) return DEAD;
  const all = q.toString().padStart(s + 1, '0');
  const out = s === 0 ? all : `${all.slice(0, -s)}.${all.slice(-s)}`;
  return v.neg && q !== 0n ? `-${out}` : out;
}

const LONE = /\p{Cs}/u;

/** A number a double holds exactly is read as one (String(1E2) is "100"); any other keeps its text. */
function exactDouble(t: string): boolean {
  const n = Number(t);
  return Number.isFinite(n) && numberKey(String(n)) === numberKey(t);
}

function stringCell(lit: string, length: number): Cell {
  const v = lit.startsWith('"') ? (JSON.parse(lit) as string) : exactDouble(lit) ? String(Number(lit)) : lit;
  // A NUL has no place in PostgreSQL's text, so it is refused on every database (sql/coerce.ts).
  return LONE.test(v) || v.includes('\u0000') || [...v].length > length ? DEAD : v;
}

/** A JSON document with each number as its value's key and keys sorted: two texts of one document, one text. */
export function canonicalJson(text: string): string {
  const walk = (v: unknown): string => {
    if (v instanceof Num) return `#${v.key}`;
    if (Array.isArray(v)) return `[${v.map(walk).join(',')}]`;
    if (v !== null && typeof v === 'object') return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${walk((v as Record<string, unknown>)[k])}`).join(',')}}`;
    return JSON.stringify(v);
  };
  return walk(parse(text, null, (t: string) => new Num(numberKey(t))));
}
class Num { constructor(readonly key: string) {} }

function jsonCell(lit: string): Cell {
  if (lit === 'null') return null;
  const strings = [...lit.matchAll(/"(?:[^"\\]|\\.)*"/gu)].map((m) => JSON.parse(m[0]) as string);
  return strings.some((x) => LONE.test(x) || x.includes('\u0000')) ? DEAD : canonicalJson(lit);
}

export function expected(d: Draft, i: number, shape: Shape): Expected {
  const row = { n: null, i: null, d: null, w: null, s: null, j: null, sk: null } as Record<Field, string | null>;
  for (const f of FIELDS) {
    const lit = d.fields[f];
    if (lit === undefined) continue;
    if (Buffer.isBuffer(lit)) return { dead: true };
    const cell = f === 'n' ? integerCell(lit, 'bigint') : f === 'i' ? integerCell(lit, 'int') : f === 'd' ? decimalCell(lit, shape.precision, shape.scale) : f === 'w' ? decimalCell(lit, shape.wide, shape.wideScale) : f === 's' ? stringCell(lit, shape.length) : jsonCell(lit);
    if (cell === DEAD) return { dead: true };
    row[f] = cell;
  }
  // $source.key: the key's text, or a dead letter when it is not UTF-8 (never U+FFFD).
  const key = messageKey(d, i);
  if (!isUtf8(key)) return { dead: true };
  row.sk = key.toString('utf8');
  const j = d.fields.j;
  const exactTexts = typeof j === 'string' ? [...j.matchAll(/"(?:[^"\\]|\\.)*"|-?\d[\d.eE+-]*/gu)].map((m) => m[0]).filter((t) => !t.startsWith('"') && !exactDouble(t)) : [];
  return { dead: false, id: idKey(d.id), row, exactTexts };
}

export function messageKey(d: Draft, i: number): Buffer {
  return Buffer.concat([Buffer.from(`k${i}`), Buffer.from(d.line.keyTail)]);
}

/** The NDJSON line that carries event `i` as Kafka would: the same key and value bytes. */
export function ndjsonLine(d: Draft, i: number, topic: string): Buffer {
  const key = messageKey(d, i);
  const keyLit = d.line.keyEscaped && isUtf8(key)
    ? Buffer.from(JSON.stringify(key.toString('utf8')).replace(/[\u0080-\uffff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    : Buffer.concat([Buffer.from('"'), key, Buffer.from('"')]);
  const value = eventBytes(d, `k${i}`);
  // value_raw: the bytes as a JSON string, escaping only what a string must (invalid bytes stay as they are).
  const valuePart = d.line.valueRaw
    ? [Buffer.from(',"value_raw":"'), Buffer.from(value.toString('latin1').replace(/["\\\u0000-\u001f]/gu, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 'latin1'), Buffer.from('"')]
    : [Buffer.from(',"value":'), value];
  return Buffer.concat([Buffer.from(`{"topic":"${topic}","key":`), keyLit, ...valuePart, Buffer.from('}\n')]);
}
