import { JSONPath } from 'jsonpath-plus';
import { describe, expect, it } from 'vitest';
import { checkPath, compilePath } from './accessor.js';
import { CORPUS, DEFINITE_PATHS, FALLBACK_PATHS } from '../../test/fixtures/paths.js';

/** The reference: what jsonpath-plus itself returns (first match), `undefined` when nothing. */
function reference(path: string, json: unknown): unknown {
  const found: unknown = JSONPath({ path, json: json as object, eval: false, wrap: true });
  return Array.isArray(found) ? found[0] : undefined;
}

function referenceAll(path: string, json: unknown): unknown {
  const found: unknown = JSONPath({ path, json: json as object, eval: false, wrap: true });
  return Array.isArray(found) && found.length > 0 ? found : undefined;
}

/**
 * Where we deliberately differ from jsonpath-plus: it reads any own property of whatever it
 * stands on, so `[0]` works on an object with key "0" or on a string, and `length` on arrays.
 * The fast path applies indexes only to arrays and names only to non-array objects.
 */
function strictDiverges(json: unknown, segments: Array<string | number>): boolean {
  let cur: unknown = json;
  for (const seg of segments) {
    if (typeof cur === 'string') return Object.hasOwn(Object(cur) as object, String(seg));
    if (typeof cur !== 'object' || cur === null) return false;
    const wrongKind = typeof seg === 'number' ? !Array.isArray(cur) : Array.isArray(cur);
    if (wrongKind) return Object.hasOwn(cur, String(seg));
    if (!Object.hasOwn(cur, seg)) return false;
    cur = (cur as Record<string, unknown>)[seg];
  }
  return false;
}


describe('differential: compiled accessors vs jsonpath-plus', () => {
  it(`agrees on ${CORPUS.length} documents × ${DEFINITE_PATHS.length} definite paths, all on the fast path`, () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(30);
    expect(DEFINITE_PATHS.length).toBeGreaterThanOrEqual(25);
    let compared = 0;
    let divergent = 0;
    for (const path of DEFINITE_PATHS) {
      const compiled = compilePath(path);
      expect(compiled.fast, path).toBe(true);
      expect(compiled.segments, path).not.toBeNull();
      for (const [i, json] of CORPUS.entries()) {
        const got = compiled.get(json);
        if (strictDiverges(json, compiled.segments ?? [])) {
          divergent++;
          expect(got, `${path} on doc #${i} (strict divergence)`).toBeUndefined();
          continue;
        }
        compared++;
        expect(got, `${path} on doc #${i}`).toEqual(reference(path, json));
      }
    }
    // The divergences are a small, deliberate minority; the rest is a true comparison.
    expect(divergent).toBeGreaterThan(0);
    expect(compared).toBeGreaterThan(CORPUS.length * DEFINITE_PATHS.length * 0.95);
  });

  it('falls back to jsonpath-plus for wildcards, descendants, slices and unions', () => {
    for (const path of FALLBACK_PATHS) {
      const compiled = compilePath(path);
      expect(compiled.fast, path).toBe(false);
      expect(compiled.segments, path).toBeNull();
      for (const [i, json] of CORPUS.entries()) {
        expect(compiled.get(json), `${path} on doc #${i}`).toEqual(referenceAll(path, json));
      }
    }
  });
});

describe('compilePath', () => {
  const doc = {
    list: [{ name: 'a' }, { name: 'b' }, { other: 1 }],
    nested: { inner: { v: 3 } },
  };

  it('returns the array of matches for fallback shapes', () => {
    expect(compilePath('$.list[*].name').get(doc)).toEqual(['a', 'b']);
    expect(compilePath('$..v').get(doc)).toEqual([3]);
    expect(compilePath('$.list[1:]').get(doc)).toEqual([{ name: 'b' }, { other: 1 }]);
    expect(compilePath('$.list[0,2]').get(doc)).toEqual([{ name: 'a' }, { other: 1 }]);
    expect(compilePath('$.list[-1:]').get(doc)).toEqual([{ other: 1 }]);
  });

  it('returns undefined for a fallback path with no match or a scalar root', () => {
    expect(compilePath('$..missing').get(doc)).toBeUndefined();
    expect(compilePath('$.list[*].name').get(undefined)).toBeUndefined();
    expect(compilePath('$.list[*].name').get('text')).toBeUndefined();
  });

  it('precomputes segments, with numbers for indexes', () => {
    expect(compilePath("$.a[0]['b c'][\"d\"]").segments).toEqual(['a', 0, 'b c', 'd']);
    expect(compilePath('$').segments).toEqual([]);
    expect(compilePath("$['0']").segments).toEqual(['0']);
  });

  it('caches per path', () => {
    expect(compilePath('$.cached.path')).toBe(compilePath('$.cached.path'));
  });

  it('keeps null and distinguishes it from missing', () => {
    expect(compilePath('$.a').get({ a: null })).toBeNull();
    expect(compilePath('$.a').get({})).toBeUndefined();
    expect(compilePath('$.a.b').get({ a: null })).toBeUndefined();
  });

  it('never reads the prototype chain', () => {
    const get = (p: string, v: unknown): unknown => compilePath(p).get(v);
    expect(get('$.constructor', {})).toBeUndefined();
    expect(get('$.__proto__', {})).toBeUndefined();
    expect(get('$.toString', { a: 1 })).toBeUndefined();
    // Documents come from JSON.parse: plain objects whose only prototype is Object.prototype.
    expect(get('$.valueOf', JSON.parse('{"a":1}'))).toBeUndefined();
    expect(get('$.a.isPrototypeOf', JSON.parse('{"a":{}}'))).toBeUndefined();
    expect(get('$.constructor', JSON.parse('{"constructor":"own"}'))).toBe('own');
    expect(get('$.a.hasOwnProperty', { a: {} })).toBeUndefined();
    expect(get('$.a.length', { a: [1, 2] })).toBeUndefined();
  });

  it('reads a plain name as undefined on every non-object, like jsonpath-plus', () => {
    for (const v of ['text', '', 5, 0, true, false, null, [1, 2], [{ id: 1 }], {}]) {
      for (const path of ['$.v.id', '$.v.user_id', '$.v.id.deeper']) {
        expect(compilePath(path).get({ v }), `${path} on ${JSON.stringify(v)}`).toBeUndefined();
        expect(JSONPath({ path, json: { v }, eval: false, wrap: true }), `${path} on ${JSON.stringify(v)}`).toEqual([]);
      }
    }
    expect(compilePath('$.v.id').get({ v: { id: 0 } })).toBe(0);
    expect(compilePath('$.v.length').get({ v: 'text' })).toBeUndefined();
    expect(compilePath("$.v['0']").get({ v: 'text' })).toBeUndefined();
    expect(compilePath('$.v.toFixed').get({ v: 5 })).toBeUndefined();
    expect(compilePath('$.v.map').get({ v: [] })).toBeUndefined();
  });

  it('applies indexes only to arrays and names only to non-array objects', () => {
    expect(compilePath('$.s[0]').get({ s: 'abc' })).toBeUndefined();
    expect(compilePath('$.o[0]').get({ o: { '0': 'x' } })).toBeUndefined();
    expect(compilePath("$.a['0']").get({ a: ['x'] })).toBeUndefined();
    expect(compilePath('$.s.length').get({ s: 'abc' })).toBeUndefined();
  });

  it('never throws on odd roots', () => {
    const get = compilePath('$.a[0].b').get;
    for (const root of [undefined, null, 0, '', 'str', true, [], [[]], Symbol('s'), () => 1]) {
      expect(get(root)).toBeUndefined();
    }
    expect(compilePath('$').get(0)).toBe(0);
  });

  it('reads quoted keys jsonpath-plus would misread, on the fast path', () => {
    const doc2 = { '@type': 't', 'a]b': 1, "it's": 2, 'a,b': 3, '*': 4, '#0': 5 };
    expect(compilePath("$['@type']").get(doc2)).toBe('t');
    expect(compilePath("$['a]b']").get(doc2)).toBe(1);
    expect(compilePath('$["it\'s"]').get(doc2)).toBe(2);
    expect(compilePath("$['a,b']").get(doc2)).toBe(3);
    expect(compilePath("$['*']").get(doc2)).toBe(4);
    expect(compilePath("$['#0']").get(doc2)).toBe(5);
  });

  it('throws for an invalid path', () => {
    expect(() => compilePath('$.a[')).toThrow(/unterminated \[ at column 4/);
  });
});

describe('checkPath', () => {
  it.each([
    '$',
    '$.a',
    '$.a.b[0].c',
    "$['a-b']",
    '$["x y"]',
    "$.a['ünï']",
    '$.ünï',
    '$.a-b',
    "$['']",
    '$[*]',
    '$.a.*',
    '$..a',
    '$..*',
    "$..['x y']",
    '$..[0]',
    '$.a[1:3]',
    '$.a[:2]',
    '$.a[-2:]',
    '$.a[::2]',
    '$.a[0,2,4]',
  ])('accepts %s', (path) => {
    expect(checkPath(path)).toBeNull();
  });

  it.each([
    ['', /empty string/],
    ['a.b', /start.*\$ at column 1/],
    ['$$', /unexpected "\$" at column 2/],
    ['$.a[', /unterminated \[ at column 4/],
    ['$.items[0', /unterminated \[ at column 8/],
    ['$..', /after \.\. at column 2/],
    ['$.a.', /after \. at column 4/],
    ['$.a..', /after \.\. at column 4/],
    ['$[?(', /filter expressions/],
    ['$.a[?(@.b > 1)]', /filter expressions/],
    ['$.a[(@.length-1)]', /script expressions/],
    ['$[]', /empty \[\] at column 2/],
    ["$['a", /unterminated ' at column 3/],
    ['$["a', /unterminated " at column 3/],
    ["$['a'", /unterminated \[ at column 2/],
    ["$['a'x]", /expected \] at column 6/],
    ["$['a','b']", /unions of names/],
    ['$.a b', /unexpected " " at column 4/],
    ['$.a[-1]', /negative index \[-1\].*\[-1:\]/],
    ['$.a[01]', /leading zero/],
    ['$.a[abc]', /expected an index.*"abc"/],
    ['$.a[ 0 ]', /expected an index/],
    ['$.a[0:1:0]', /step 0/],
    ['$.0', /ambiguous.*\[0\].*\['0'\]/],
    ['$.@type', /after \. at column 2/],
    ['$.a~', /unexpected "~"/],
    ['$.a^', /unexpected "\^"/],
    ["$..['@type']", /cannot be used in a path with/],
    ["$[*]['a,b']", /cannot be used in a path with/],
  ])('rejects %s', (path, message) => {
    expect(checkPath(path)).toMatch(message);
  });
});
