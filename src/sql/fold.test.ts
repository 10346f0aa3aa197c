import { describe, expect, it } from 'vitest';
import type { RowChange } from '../runtime/rows.js';
import { fold } from './fold.js';

const ins = (table: string, id: string, shape = `i|${table}`): RowChange => ({ kind: 'insert', table, shape, columns: ['id'], values: [id], key: ['id'], update: [] });
const upd = (table: string, id: string, shape = `u|${table}`): RowChange => ({ kind: 'update', table, shape, where: ['id'], whereValues: [id], set: [{ mode: 'set', column: 'x', value: 1 }], upsert: false });

describe('fold', () => {
  it('puts changes of different rows of one shape into one statement group', () => {
    const rounds = fold([ins('t', 'a'), ins('t', 'b'), ins('t', 'c')]);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]?.[0]?.rows).toHaveLength(3);
  });

  it('keeps changes of one row in event sequence across rounds', () => {
    const rows = [ins('t', 'a'), upd('t', 'a'), ins('t', 'b'), upd('t', 'a'), upd('t', 'b')];
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
});
