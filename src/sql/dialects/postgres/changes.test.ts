/** The exact SQL and parameters PostgreSQL's builder makes for each kind of row change. */
import { describe, expect, it } from 'vitest';
import type { DeleteRow, InsertRow, UpdateRow } from '../../rows.js';
import type { ColumnDef } from '../../../compile/plan.js';
import { arrayLiteral, MAX_PARAMETERS, postgresChanges, rowsPerStatement } from './changes.js';

const insert = (id: string, name: string, o: Partial<InsertRow> = {}): InsertRow => ({ kind: 'insert', table: 'items', shape: 's', columns: ['id', 'name', 'v'], values: [id, name, 1], key: ['id'], update: [], ...o });
const group = <T extends { shape: string }>(...rows: T[]) => ({ shape: 's', rows });

describe('postgres changes', () => {
  it('folds inserts into one multi-row INSERT that skips a taken key', () => {
    expect(postgresChanges.build(group(insert('a', 'x'), insert('b', "it's")))).toEqual([{
      sql: 'INSERT INTO "items" ("id","name","v") VALUES (?,?,?),(?,?,?) ON CONFLICT DO NOTHING',
      params: ['a', 'x', 1, 'b', "it's", 1],
    }]);
  });

  it('with column definitions, binds one typed array a column: INSERT … SELECT FROM unnest, one text whatever the row count', () => {
    const defs: ColumnDef[] = [{ name: 'id', type: 'string', length: 8, nullable: false }, { name: 'name', type: 'text', nullable: true }, { name: 'v', type: 'int', nullable: true }];
    const rows = [insert('a', 'x', { defs, update: ['name'] }), insert('b', 'say "hi" \\ bye', { defs, update: ['name'], values: ['b', 'say "hi" \\ bye', null] })];
    expect(postgresChanges.build(group(...rows))).toEqual([{
      sql: 'INSERT INTO "items" ("id","name","v") SELECT * FROM unnest(?::varchar(8)[], ?::text[], ?::integer[]) ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name"',
      params: ['{"a","b"}', '{"x","say \\"hi\\" \\\\ bye"}', '{"1",NULL}'],
    }]);
    expect(postgresChanges.build(group(insert('c', 'y', { defs })))[0]?.sql).toBe('INSERT INTO "items" ("id","name","v") SELECT * FROM unnest(?::varchar(8)[], ?::text[], ?::integer[]) ON CONFLICT DO NOTHING');
  });

  it('writes an array literal as node-postgres does: elements quoted, quotes and backslashes escaped, NULL bare', () => {
    expect(arrayLiteral(['a', '', null, 1.5, '{x,y}', 'NULL'])).toBe('{"a","",NULL,"1.5","{x,y}","NULL"}');
    expect(arrayLiteral(['q"b\\s'])).toBe('{"q\\"b\\\\s"}');
  });

  it('upserts on the key with EXCLUDED values, a version guard as the WHERE of DO UPDATE', () => {
    const [st] = postgresChanges.build(group(insert('a', 'x', { update: ['name', 'v'], guard: 'v' })));
    expect(st?.sql).toBe('INSERT INTO "items" ("id","name","v") VALUES (?,?,?) ON CONFLICT ("id") DO UPDATE SET "name" = EXCLUDED."name", "v" = EXCLUDED."v" WHERE EXCLUDED."v" > "items"."v"');
  });

  it('updates one row a statement, of one text per shape: set, exact add, jsonb_set replace, guarded', () => {
    const row = (id: string, v: number): UpdateRow => ({ kind: 'update', table: 'items', shape: 's', where: ['id'], whereValues: [id], set: [{ mode: 'set', column: 'name', value: 'n' }, { mode: 'add', column: 'hits', value: 2, base: 0, numeric: { type: 'int' } }, { mode: 'replace', column: 'doc', path: '$[0]."status"', value: 'done', json: false }], upsert: false, guard: 'v', version: v });
    const sql = 'UPDATE "items" SET "name" = ?, "hits" = "hits" + ?, "doc" = jsonb_set("doc", ?::text[], ?::jsonb, false) WHERE "id" = ? AND "v" < ?';
    expect(postgresChanges.build(group(row('a', 2), row('b', 3)))).toEqual([
      { sql, params: ['n', 2, '{"0","status"}', '"done"', 'a', 2] },
      { sql, params: ['n', 2, '{"0","status"}', '"done"', 'b', 3] },
    ]);
  });

  it('replaces with a JSON document as it is, a scalar as a JSON scalar', () => {
    const row: UpdateRow = { kind: 'update', table: 'items', shape: 's', where: ['id'], whereValues: ['a'], set: [{ mode: 'replace', column: 'doc', path: '$."k"', value: '{"x":1}', json: true }, { mode: 'replace', column: 'doc', path: '$."n"', value: null, json: false }], upsert: false };
    expect(postgresChanges.build(group(row))[0]?.params).toEqual(['{"k"}', '{"x":1}', '{"n"}', 'null', 'a']);
  });

  it('creates missing counter rows with their default plus the amount; an existing row adds the amount', () => {
    const row = (id: string): UpdateRow => ({ kind: 'update', table: 'tallies', shape: 's', where: ['id'], whereValues: [id], set: [{ mode: 'add', column: 'd', value: '0.20', base: '0.10', numeric: { type: 'decimal', precision: 12, scale: 2 } }], upsert: true });
    expect(postgresChanges.build(group(row('u1'), row('u2')))).toEqual([{
      sql: 'INSERT INTO "tallies" ("id","d") VALUES (?,?),(?,?) ON CONFLICT ("id") DO UPDATE SET "d" = "tallies"."d" + (EXCLUDED."d" - 0.10)',
      params: ['u1', '0.30', 'u2', '0.30'],
    }]);
  });

  it('deletes one row a statement, guarded by version', () => {
    const row: DeleteRow = { kind: 'delete', table: 'items', shape: 's', where: ['id', 'k'], whereValues: ['a', 1], guard: 'v', version: 7 };
    expect(postgresChanges.build(group(row))).toEqual([{ sql: 'DELETE FROM "items" WHERE "id" = ? AND "k" = ? AND "v" < ?', params: ['a', 1, 7] }]);
  });

  it('splits a multi-row INSERT by the 65,535-parameter limit as well as by rows', () => {
    expect(rowsPerStatement(3)).toBe(1000);
    expect(rowsPerStatement(100)).toBe(655);
    const columns = Array.from({ length: 100 }, (_, i) => `c${i}`);
    const rows = Array.from({ length: 1500 }, (_, i) => insert(`k${i}`, 'x', { columns, values: columns.map(() => i) }));
    const statements = postgresChanges.build(group(...rows));
    expect(statements.map((s) => s.params.length / 100)).toEqual([655, 655, 190]);
    for (const s of statements) expect(s.params.length).toBeLessThanOrEqual(MAX_PARAMETERS);
  });
});
