import { describe, expect, it } from 'vitest';
import type { InsertRow, RowChange, UpdateRow } from './rows.js';
import { fold, merge } from './fold.js';

const ins = (table: string, id: string, shape = `i|${table}`): RowChange => ({ kind: 'insert', table, shape, columns: ['id'], values: [id], key: ['id'], update: [] });
const upd = (table: string, id: string, shape = `u|${table}`): RowChange => ({ kind: 'update', table, shape, where: ['id'], whereValues: [id], set: [{ mode: 'set', column: 'x', value: 1 }], upsert: false });

describe('fold', () => {
  it('puts changes of different rows of one shape into one statement group', () => {
    const rounds = fold([ins('t', 'a'), ins('t', 'b'), ins('t', 'c')]);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]?.[0]?.rows).toHaveLength(3);
  });

  it('keeps changes of one row in event sequence across rounds', () => {
    const rows = [ins('t', 'a'), upd('t', 'a'), ins('t', 'b'), upd('t', 'a', 'u|t|other'), upd('t', 'b')];
    const rounds = fold(rows);
    expect(rounds.map((r) => r.map((g) => g.rows.map((x) => `${x.kind}:${x.kind === 'insert' ? x.values[0] : x.whereValues[0]}`)))).toEqual([
      [['insert:a', 'insert:b']],
      [['update:a', 'update:b']],
      [['update:a']],
    ]);
  });

  it('does not order changes of different tables with equal keys', () => {
    expect(fold([ins('t', 'a'), ins('u', 'a')])).toHaveLength(1);
  });

  it('never puts one row twice in a round', () => {
    const rows = Array.from({ length: 50 }, (_, i) => upd('t', String(i % 7)));
    for (const round of fold(rows)) {
      const ids = round.flatMap((g) => g.rows.map((r) => (r.kind === 'update' ? r.whereValues[0] : null)));
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('merges successive changes of one row of the same shape, without touching the input', () => {
    const add = (id: string, n: number): RowChange => ({ kind: 'update', table: 't', shape: 'u|t|add:n', where: ['id'], whereValues: [id], set: [{ mode: 'add', column: 'n', value: n, base: 0, numeric: { type: 'bigint' } }], upsert: true });
    const rows = [add('a', 1), add('a', 2), add('b', 5), add('a', 0), add('a', 4)];
    const copy = structuredClone(rows);
    const rounds = fold(rows);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]?.[0]?.rows.map((r) => [r.kind === 'update' && r.whereValues[0], r.kind === 'update' && r.set[0]?.value])).toEqual([['a', 7], ['b', 5]]);
    expect(rows).toEqual(copy);
  });

  it('never merges amounts of opposite signs: +10 then -10 at a limit fails the +10, as one by one (issue 12)', () => {
    const add = (n: number | string): RowChange => ({ kind: 'update', table: 't', shape: 'u|t|add:n', where: ['id'], whereValues: ['a'], set: [{ mode: 'add', column: 'n', value: n, base: 0, numeric: { type: 'int' } }], upsert: true });
    expect(fold([add(10), add(-10)])).toHaveLength(2);
    expect(fold([add('-0.50'), add('-1.00'), add('0.00')])).toHaveLength(1);
    expect(fold([add('-0.50'), add('0.01')])).toHaveLength(2);
  });

  it('does not merge across another shape of the same row, and keeps the sequence', () => {
    const rounds = fold([upd('t', 'a'), ins('t', 'a'), upd('t', 'a')]);
    expect(rounds).toHaveLength(3);
  });

  it('merges assignments (last wins) and upserting inserts, never JSON replacements nor guarded changes that keep the version', () => {
    const set = (v: number): UpdateRow => ({ kind: 'update', table: 't', shape: 's', where: ['id'], whereValues: ['a'], set: [{ mode: 'set', column: 'x', value: v }], upsert: false });
    expect(merge(set(1), set(2))).toMatchObject({ set: [{ value: 2 }] });
    expect(merge({ ...set(1), guard: 'v', version: 1 }, { ...set(2), guard: 'v', version: 2 })).toBeUndefined();
    const rep = (path: string): RowChange => ({ kind: 'update', table: 't', shape: 'r', where: ['id'], whereValues: ['a'], set: [{ mode: 'replace', column: 'j', path, value: 1, json: false }], upsert: false });
    expect(merge(rep('$[0]'), rep('$[1]'))).toBeUndefined();
    const up = (name: string, seen: string): InsertRow => ({ kind: 'insert', table: 't', shape: 'i', columns: ['id', 'name', 'seen'], values: ['a', name, seen], key: ['id'], update: ['seen'] });
    expect(merge(up('first', 'x'), up('second', 'y'))).toMatchObject({ values: ['a', 'first', 'y'] });
    const ignore: InsertRow = { ...up('first', 'x'), update: [] };
    expect(merge(ignore, { ...ignore, values: ['a', 'other', 'z'] })).toBe(ignore);
  });

  it('keeps the higher version of two guarded updates that set the version column', () => {
    const g = (name: string, version: number): UpdateRow => ({
      kind: 'update', table: 't', shape: 'g', where: ['id'], whereValues: ['a'], upsert: false, guard: 'v', version,
      set: [{ mode: 'set', column: 'name', value: name }, { mode: 'set', column: 'v', value: version }],
    });
    expect(merge(g('two', 2), g('three', 3))).toMatchObject({ version: 3, set: [{ value: 'three' }, { value: 3 }] });
    expect(merge(g('three', 3), g('two', 2))).toMatchObject({ version: 3, set: [{ value: 'three' }, { value: 3 }] });
    expect(merge(g('first', 3), g('again', 3))).toMatchObject({ set: [{ value: 'first' }, { value: 3 }] });
    const rounds = fold([g('a', 1), g('b', 4), g('c', 2), g('d', 5)]);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]?.[0]?.rows).toMatchObject([{ version: 5, set: [{ value: 'd' }, { value: 5 }] }]);
  });
});
