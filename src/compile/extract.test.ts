import { describe, expect, it } from 'vitest';
import { CORPUS, DEFINITE_PATHS, FALLBACK_PATHS } from '../../test/fixtures/paths.js';
import { compilePath } from './accessor.js';
import { compileExtractor, PathSlots } from './extract.js';

describe('compileExtractor', () => {
  it('gives, slot by slot, what each path\'s own getter gives, over the whole corpus', () => {
    const paths = [...DEFINITE_PATHS, ...FALLBACK_PATHS];
    const extract = compileExtractor(paths);
    for (const doc of [...CORPUS, null, 'text', 7, [1, 2]]) {
      expect(extract(doc), JSON.stringify(doc)).toEqual(paths.map((p) => compilePath(p).get(doc)));
    }
  });

  it('keeps an index and a name of the same digits apart when they share a prefix', () => {
    const extract = compileExtractor(['$.a[0]', "$.a['0']", '$.a[0].b', "$.a['0'].b"]);
    expect(extract({ a: [{ b: 1 }] })).toEqual([{ b: 1 }, undefined, 1, undefined]);
    expect(extract({ a: { 0: { b: 2 } } })).toEqual([undefined, { b: 2 }, undefined, 2]);
  });

  it('returns an empty list for a handler that reads no path', () => {
    expect(compileExtractor([])({ a: 1 })).toEqual([]);
  });
});

describe('PathSlots', () => {
  it('gives a path one slot however often it is bound, and extracts in slot order', () => {
    const slots = new PathSlots();
    expect([slots.slot('$.data.b'), slots.slot('$.data.a'), slots.slot('$.data.b'), slots.slot('$.entity_id')]).toEqual([0, 1, 0, 2]);
    expect(slots.extractor()({ entity_id: 'e1', data: { a: 'A', b: 'B' } })).toEqual(['B', 'A', 'e1']);
  });
});
