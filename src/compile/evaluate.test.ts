import { describe, expect, it } from 'vitest';
import { bindValue, deepEqual, type EvalContext } from './evaluate.js';
import { PathSlots } from './extract.js';
import type { ValueExpr } from './plan.js';

const event = {
  order_id: 'o-1',
  total: 0,
  note: null,
  flag: false,
  customer: { name: 'Zoë', email: '' },
  items: [
    { sku: 'A', qty: 2, tags: ['x'] },
    { sku: 'B', qty: 1, tags: [] },
  ],
  empty: [],
};

const ev = (expr: ValueExpr, ctx: EvalContext = { event }): unknown => bindValue(expr)(ctx);
const path = (p: string, extra: Partial<Extract<ValueExpr, { kind: 'path' }>> = {}): ValueExpr => ({
  kind: 'path',
  root: 'event',
  path: p,
  ...extra,
});
const lit = (value: unknown): ValueExpr => ({ kind: 'literal', value });

describe('literal', () => {
  it.each([['text'], [0], [false], [null], [{ a: [1] }]])('returns %j', (value) => {
    expect(ev(lit(value))).toEqual(value);
  });
});

describe('path', () => {
  it('reads the event', () => {
    expect(ev(path('$.order_id'))).toBe('o-1');
    expect(ev(path('$.customer.name'))).toBe('Zoë');
    expect(ev(path('$.items[1].sku'))).toBe('B');
  });

  it('keeps falsy values and null, returns undefined when missing', () => {
    expect(ev(path('$.total'))).toBe(0);
    expect(ev(path('$.flag'))).toBe(false);
    expect(ev(path('$.customer.email'))).toBe('');
    expect(ev(path('$.note'))).toBeNull();
    expect(ev(path('$.missing'))).toBeUndefined();
  });

  it('applies default to undefined and null only', () => {
    expect(ev(path('$.missing', { default: 'd' }))).toBe('d');
    expect(ev(path('$.note', { default: 'd' }))).toBe('d');
    expect(ev(path('$.total', { default: 5 }))).toBe(0);
    expect(ev(path('$.flag', { default: true }))).toBe(false);
    expect(ev(path('$.customer.email', { default: 'd' }))).toBe('');
    expect(ev(path('$.missing', { default: null }))).toBeNull();
  });

  it('reads the item when the root is item', () => {
    const expr = path('$.sku', { root: 'item' });
    expect(ev(expr, { event, item: { sku: 'Q' }, index: 0 })).toBe('Q');
    expect(ev(expr, { event })).toBeUndefined();
    expect(ev(path('$', { root: 'item' }), { event, item: 7 })).toBe(7);
  });

  it('returns the matches of a wildcard path', () => {
    expect(ev(path('$.items[*].sku'))).toEqual(['A', 'B']);
    expect(ev(path('$.items[*].nope'))).toBeUndefined();
  });

  it('tolerates an event that is not an object', () => {
    expect(ev(path('$.a.b'), { event: null })).toBeUndefined();
    expect(ev(path('$.a.b', { default: 1 }), { event: 'x' })).toBe(1);
  });
});

describe('index', () => {
  it('reads ctx.index', () => {
    expect(ev({ kind: 'index' }, { event, item: {}, index: 3 })).toBe(3);
    expect(ev({ kind: 'index' })).toBeUndefined();
  });
});

describe('count', () => {
  const count = (p: string): ValueExpr => ({ kind: 'count', root: 'event', path: p });
  it.each([
    ['$.items', 2],
    ['$.empty', 0],
    ['$.missing', 0],
    ['$.note', 0],
    ['$.order_id', 0],
    ['$.customer', 0],
    ['$.items[0].tags', 1],
    ['$.items[*]', 2],
  ])('%s → %d', (p, n) => {
    expect(ev(count(p))).toBe(n);
  });

  it('counts inside the item', () => {
    expect(ev({ kind: 'count', root: 'item', path: '$.tags' }, { event, item: { tags: [1, 2, 3] } })).toBe(3);
  });
});

describe('json', () => {
  it('passes the inner value through unserialized', () => {
    expect(ev({ kind: 'json', value: path('$.customer') })).toBe(event.customer);
    expect(ev({ kind: 'json', value: lit('s') })).toBe('s');
    expect(ev({ kind: 'json', value: path('$.missing') })).toBeUndefined();
  });
});

describe('equals', () => {
  const eq = (left: ValueExpr, right: ValueExpr): unknown => ev({ kind: 'equals', left, right });
  it('compares strictly and deeply', () => {
    expect(eq(path('$.order_id'), lit('o-1'))).toBe(true);
    expect(eq(path('$.total'), lit(0))).toBe(true);
    expect(eq(path('$.total'), lit('0'))).toBe(false);
    expect(eq(path('$.total'), lit(false))).toBe(false);
    expect(eq(path('$.note'), lit(null))).toBe(true);
    expect(eq(path('$.missing'), lit(null))).toBe(false);
    expect(eq(path('$.missing'), path('$.other'))).toBe(true);
    expect(eq(path('$.customer'), lit({ email: '', name: 'Zoë' }))).toBe(true);
    expect(eq(path('$.items[0].tags'), lit(['x']))).toBe(true);
    expect(eq(path('$.items[0].tags'), lit(['x', 'y']))).toBe(false);
  });

  it.each([
    [[], {}, false],
    [{ a: 1 }, { a: 1, b: 2 }, false],
    [{ a: 1, b: 2 }, { b: 2, a: 1 }, true],
    [[1, [2, { c: null }]], [1, [2, { c: null }]], true],
    [{ a: undefined }, {}, false],
    [null, undefined, false],
    [1, 1.0, true],
  ])('deepEqual(%j, %j) = %s', (a, b, want) => {
    expect(deepEqual(a, b)).toBe(want);
    expect(deepEqual(b, a)).toBe(want);
  });
});

describe('coalesce', () => {
  const co = (...values: ValueExpr[]): unknown => ev({ kind: 'coalesce', values });
  it('returns the first value that is not undefined or null', () => {
    expect(co(path('$.missing'), path('$.note'), path('$.order_id'))).toBe('o-1');
    expect(co(path('$.total'), lit(9))).toBe(0);
    expect(co(path('$.customer.email'), lit('x'))).toBe('');
    expect(co(path('$.missing'), path('$.note'))).toBeNull();
    expect(co()).toBeNull();
  });
});

describe('map', () => {
  const map: ValueExpr = {
    kind: 'map',
    root: 'event',
    path: '$.items',
    to: {
      sku: path('$.sku', { root: 'item' }),
      position: { kind: 'index' },
      parent: path('$.order_id'),
      tag_count: { kind: 'count', root: 'item', path: '$.tags' },
      missing: path('$.nope', { root: 'item' }),
    },
  };

  it('builds one object per element, with the event still readable', () => {
    expect(ev(map)).toEqual([
      { sku: 'A', position: 0, parent: 'o-1', tag_count: 1 },
      { sku: 'B', position: 1, parent: 'o-1', tag_count: 0 },
    ]);
  });

  it('omits fields that evaluate to undefined', () => {
    const out = ev(map) as Array<Record<string, unknown>>;
    expect(out[0] !== undefined && 'missing' in out[0]).toBe(false);
  });

  it('is undefined when the source is missing, null or not an array, [] for []', () => {
    expect(ev({ ...map, path: '$.missing' } as ValueExpr)).toBeUndefined();
    expect(ev({ ...map, path: '$.note' } as ValueExpr)).toBeUndefined();
    expect(ev({ ...map, path: '$.customer' } as ValueExpr)).toBeUndefined();
    expect(ev({ ...map, path: '$.empty' } as ValueExpr)).toEqual([]);
  });

  it('nests: an inner map reads the outer item', () => {
    const nested: ValueExpr = {
      kind: 'map',
      root: 'event',
      path: '$.items',
      to: { tags: { kind: 'map', root: 'item', path: '$.tags', to: { t: path('$', { root: 'item' }), i: { kind: 'index' } } } },
    };
    expect(ev(nested)).toEqual([{ tags: [{ t: 'x', i: 0 }] }, { tags: [] }]);
  });
});

describe('object', () => {
  it('evaluates fields and omits undefined ones, keeping null', () => {
    const expr: ValueExpr = {
      kind: 'object',
      fields: { id: path('$.order_id'), note: path('$.note'), gone: path('$.missing'), n: lit(0) },
    };
    expect(ev(expr)).toStrictEqual({ id: 'o-1', note: null, n: 0 });
  });

  it('treats a "__proto__" field as an ordinary key', () => {
    // An object literal `__proto__:` would set the prototype, so build the fields as parsed JSON/YAML does.
    const fields = JSON.parse('{"__proto__": {"kind": "literal", "value": 1}}') as Record<string, ValueExpr>;
    const built = ev({ kind: 'object', fields }) as Record<string, unknown>;
    expect(Object.getPrototypeOf(built)).toBe(Object.prototype);
    expect(Object.hasOwn(built, '__proto__')).toBe(true);
    expect(JSON.stringify(built)).toBe('{"__proto__":1}');
  });
});

describe('binding', () => {
  it('compiles paths once, at bind time', () => {
    // An invalid path fails when bound, not when evaluated.
    expect(() => bindValue(path('$.a['))).toThrow(/unterminated/);
  });

  it('reuses one evaluator across many events', () => {
    const f = bindValue(path('$.v', { default: -1 }));
    expect([{ v: 1 }, {}, { v: null }, { v: 'x' }].map((e) => f({ event: e }))).toEqual([1, -1, -1, 'x']);
  });
});

describe('with path slots (one extraction per handler)', () => {
  it('reads event paths from ctx.paths, inside map too, and from the event when no extraction is given', () => {
    const slots = new PathSlots();
    const expr: ValueExpr = {
      kind: 'object',
      fields: {
        id: path('$.order_id'),
        lines: { kind: 'map', root: 'event', path: '$.items', to: { id: path('$.order_id'), sku: { kind: 'path', root: 'item', path: '$.sku' } } },
      },
    };
    const evaluate = bindValue(expr, { event: slots });
    const doc = { order_id: 'o-9', items: [{ sku: 'a' }, { sku: 'b' }] };
    const paths = slots.extractor()(doc);
    expect(paths).toEqual(['o-9', doc.items]);
    // Values come from the slots: a stale extraction shows it.
    expect(evaluate({ event: doc, paths: ['from-slot', doc.items] })).toEqual({ id: 'from-slot', lines: [{ id: 'from-slot', sku: 'a' }, { id: 'from-slot', sku: 'b' }] });
    expect(evaluate({ event: doc })).toEqual({ id: 'o-9', lines: [{ id: 'o-9', sku: 'a' }, { id: 'o-9', sku: 'b' }] });
  });
});
