/**
 * JSONPath accessors. Definite paths (`$.a[0]['b c']`) compile to generated straight-line
 * property access (see `step`); `*`, `..`, slices and index unions fall back to jsonpath-plus. The choice
 * is made once per path, never per event (the zod "compiled path with an interpreter fallback"
 * pattern). `checkPath` is the validate-time half: jsonpath-plus's own parser accepts almost any
 * string (`$.a[` reads as `$.a`), so syntax is checked here by a small scanner instead.
 */
import { JSONPath } from 'jsonpath-plus';

export interface CompiledPath {
  /** Definite paths: the value or `undefined`. Fallback paths: the array of matches, or `undefined` when none. */
  get: (root: unknown) => unknown;
  /** True when `get` is generated property access (no jsonpath-plus). */
  fast: boolean;
  /** The steps of a definite path (numbers are array indexes), `null` for fallback paths. */
  segments: Array<string | number> | null;
}

type Parsed = { ok: true; segments: Array<string | number> | null } | { ok: false; message: string };

/**
 * Characters a dot-notation name may not contain. Some are JSONPath syntax; the rest are
 * characters jsonpath-plus's regex tokenizer treats specially (`~ ^ @ # $ \``), so such keys
 * must be written in quotes: `$['@type']`.
 */
const NAME_CHAR = /[^\s.[\]()'"*?@,:~^`$#\\]/u;

/**
 * Quoted names jsonpath-plus misreads (it tokenizes with regexes: `,` is a union, a leading `@`
 * a type selector, `#n` a filter slot, `~`/`^` property/parent operators). Only a concern for
 * paths that go to jsonpath-plus; the fast path reads any quoted name literally.
 */
const FALLBACK_UNSAFE_NAME = /['"[\]~^,#`*]|^[@(?]|^\$$/u;

const SLICE = /^(-?\d+)?:(-?\d+)?(?::(\d*))?$/u;

/** `null` when `path` is a JSONPath this engine accepts, else what was expected and where. */
export function checkPath(path: string): string | null {
  const parsed = parse(path);
  return parsed.ok ? null : parsed.message;
}

const cache = new Map<string, CompiledPath>();

/** Compile a path that passed `checkPath`; throws on an invalid one (validation should have caught it). */
export function compilePath(path: string): CompiledPath {
  const hit = cache.get(path);
  if (hit !== undefined) return hit;
  const parsed = parse(path);
  if (!parsed.ok) throw new Error(`invalid JSONPath ${JSON.stringify(path)}: ${parsed.message}`);
  // The fast getter keeps its own copy of the segments, so a caller mutating them changes nothing.
  const compiled: CompiledPath =
    parsed.segments === null
      ? { get: fallbackGetter(path), fast: false, segments: null }
      : { get: fastGetter([...parsed.segments]), fast: true, segments: parsed.segments };
  cache.set(path, compiled);
  return compiled;
}

/**
 * A getter generated for the path: one straight-line function per path, so V8 keeps separate
 * inline caches for each (a shared loop over segments sees every event shape at one property
 * load and goes megamorphic). Only JSON-quoted names and integer indexes reach the source text.
 *
 * Indexes apply only to arrays and names only to non-array objects (jsonpath-plus would also read
 * `$.list.length` or `$.text[0]`; we do not). Documents are JSON.parse output: plain objects and
 * arrays whose prototypes are the built-in ones. For a name that no built-in prototype has and
 * that is not an index (`user_id`, not `length`, `toString` or `0`), `c?.[name]` already is
 * undefined on a string, number, boolean or array, so that step is a bare property load. Other
 * names check the value is a non-array object with the name as its own property.
 */
function fastGetter(segments: ReadonlyArray<string | number>): (root: unknown) => unknown {
  const body = segments.map((seg) => `c = ${step('c', seg)};`).join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from quoted names and integers only
  return new Function('root', `'use strict';\nlet c = root;\n${body}\nreturn c;`) as (root: unknown) => unknown;
}

/**
 * The JavaScript expression for one step of a definite path from the variable `from`:
 * undefined when the step does not apply (see fastGetter for the rules).
 */
export function step(from: string, seg: string | number): string {
  if (typeof seg === 'number') {
    if (!Number.isSafeInteger(seg) || seg < 0) throw new Error(`invalid index ${seg}`);
    return `(Array.isArray(${from}) && ${from}.length > ${seg} ? ${from}[${seg}] : undefined)`;
  }
  const key = JSON.stringify(seg);
  if (plainName(seg)) return `${from}?.[${key}]`;
  return `(typeof ${from} === 'object' && ${from} !== null && !Array.isArray(${from}) && Object.hasOwn(${from}, ${key}) ? ${from}[${key}] : undefined)`;
}

const BUILT_IN_PROTOTYPES: readonly object[] = [Object.prototype, Array.prototype, String.prototype, Number.prototype, Boolean.prototype];

/** A name no JSON value can inherit: not on a built-in prototype, and not an index. */
function plainName(name: string): boolean {
  return !/^\d+$/u.test(name) && !BUILT_IN_PROTOTYPES.some((p) => name in p);
}

function fallbackGetter(path: string): (root: unknown) => unknown {
  return (root) => {
    // Scalars have no children to match, and jsonpath-plus answers nothing for falsy roots anyway.
    if (typeof root !== 'object' || root === null) return undefined;
    // eval: false — filters and script expressions are refused by checkPath, never evaluated.
    const found: unknown = JSONPath({ path, json: root, eval: false, wrap: true });
    return Array.isArray(found) && found.length > 0 ? found : undefined;
  };
}

/** Scan the path; `segments` is null as soon as one step can match more than one value. */
function parse(path: string): Parsed {
  const fail = (message: string): Parsed => ({ ok: false, message });
  if (path === '') return fail('expected a path starting with $, got an empty string');
  if (path[0] !== '$') return fail(`expected a path starting with $ at column 1, got "${path[0] ?? ''}"`);
  const n = path.length;
  const segments: Array<string | number> = [];
  const quoted: string[] = [];
  let definite = true;
  let i = 1;
  while (i < n) {
    const c = path[i];
    if (c === '.') {
      const dot = i;
      if (path[i + 1] === '.') {
        definite = false;
        i += 2;
        if (i >= n) return fail(`expected a name, * or [ after .. at column ${dot + 1}`);
        if (path[i] === '[') continue;
      } else {
        i += 1;
      }
      if (path[i] === '*') {
        definite = false;
        i += 1;
        continue;
      }
      const start = i;
      while (i < n && NAME_CHAR.test(path[i] ?? '')) i++;
      if (i === start) {
        const got = i < n ? `, got "${path[i] ?? ''}"` : '';
        return fail(`expected a name or * after . at column ${dot + 1}${got} (quote unusual keys: ['a-b c'])`);
      }
      const name = path.slice(start, i);
      if (/^\d+$/u.test(name)) {
        return fail(`".${name}" at column ${dot + 1} is ambiguous: write [${name}] for an array element or ['${name}'] for a key`);
      }
      segments.push(name);
    } else if (c === '[') {
      const open = i;
      const ch = path[i + 1];
      if (ch === undefined) return fail(`unterminated [ at column ${open + 1}`);
      if (ch === "'" || ch === '"') {
        const end = path.indexOf(ch, i + 2);
        if (end < 0) return fail(`unterminated ${ch} at column ${i + 2}`);
        const name = path.slice(i + 2, end);
        i = end + 1;
        if (path[i] === ',') return fail(`unions of names are not supported (column ${i + 1}); only of indexes, like [0,1]`);
        if (i >= n) return fail(`unterminated [ at column ${open + 1}`);
        if (path[i] !== ']') return fail(`expected ] at column ${i + 1}, got "${path[i] ?? ''}"`);
        i += 1;
        segments.push(name);
        quoted.push(name);
        continue;
      }
      if (ch === '?') return fail(`filter expressions [?(...)] are not supported (column ${open + 1})`);
      if (ch === '(') return fail(`script expressions [(...)] are not supported (column ${open + 1})`);
      const close = path.indexOf(']', i + 1);
      if (close < 0) return fail(`unterminated [ at column ${open + 1}`);
      const body = path.slice(i + 1, close);
      i = close + 1;
      if (body === '') return fail(`empty [] at column ${open + 1}`);
      if (body === '*') {
        definite = false;
      } else if (/^\d+$/u.test(body)) {
        if (body.length > 1 && body.startsWith('0')) return fail(`index [${body}] at column ${open + 1} has a leading zero`);
        const index = Number(body);
        if (!Number.isSafeInteger(index)) return fail(`index [${body}] at column ${open + 1} is too large`);
        segments.push(index);
      } else if (/^-\d+$/u.test(body)) {
        // jsonpath-plus matches nothing for [-1]; the slice form is what works.
        return fail(`negative index [${body}] at column ${open + 1} is not supported; use the slice [${body}:]`);
      } else if (SLICE.test(body)) {
        if (/:0+$/u.test(body) && body.split(':').length === 3) return fail(`slice step 0 at column ${open + 1}`);
        definite = false;
      } else if (/^\d+(?:,\d+)+$/u.test(body)) {
        definite = false;
      } else {
        return fail(`expected an index, a quoted name, *, a slice or an index union in [] at column ${open + 1}, got "${body}"`);
      }
    } else {
      return fail(`unexpected "${c ?? ''}" at column ${i + 1}: expected . or [`);
    }
  }
  if (definite) return { ok: true, segments };
  const unsafe = quoted.find((name) => FALLBACK_UNSAFE_NAME.test(name));
  if (unsafe !== undefined) {
    return fail(`the key ${JSON.stringify(unsafe)} cannot be used in a path with *, .., slices or unions`);
  }
  return { ok: true, segments: null };
}
