/** The exact SQL and parameters PostgreSQL's builder makes for each kind of row change. */
import { describe, expect, it } from 'vitest';
import type { DeleteRow, InsertRow, UpdateRow } from '../../rows.js';
import type { ColumnDef } from '../../../compile/plan.js';
import { MAX_PARAMETERS, postgresChanges, rowsPerStatement } from './changes.js';
import { arrayLiteral } from './array.js';

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

  it('without column definitions, updates one row a statement, of one text per shape: set, exact add, jsonb_set replace, guarded', () => {
    const row = (id: string, v: number): UpdateRow => ({ kind: 'update', table: 'items', shape: 's', where: ['id'], whereValues: [id], set: [{ mode: 'set', column: 'name', value: 'n' }, { mode: 'add', column: 'hits', value: 2, base: 0, numeric: { type: 'int' } }, { mode: 'replace', column: 'doc', path: '$[0]."status"', value: 'done', json: false }], upsert: false, guard: 'v', version: v });
    const sql = 'UPDATE "items" SET "name" = ?, "hits" = "hits" + ?, "doc" = jsonb_set("doc", ?::text[], ?::jsonb, false) WHERE "id" = ? AND "v" < ?';
    expect(postgresChanges.build(group(row('a', 2), row('b', 3)))).toEqual([
      { sql, params: ['n', 2, '{"0","status"}', '"done"', 'a', 2] },
      { sql, params: ['n', 2, '{"0","status"}', '"done"', 'b', 3] },
    ]);
  });

  const columns: ColumnDef[] = [
    { name: 'id', type: 'string', length: 8, nullable: false }, { name: 'k', type: 'int', nullable: false }, { name: 'name', type: 'string', length: 16, nullable: true },
    { name: 'hits', type: 'int', nullable: false }, { name: 'doc', type: 'json', nullable: true }, { name: 'at', type: 'datetime', nullable: true },
    { name: 'd', type: 'decimal', precision: 12, scale: 2, nullable: false }, { name: 'v', type: 'bigint', nullable: false },
  ];

  it('folds updates of one shape into one UPDATE … FROM unnest: one array a column, cast to its type without modifiers; exact numeric amounts; jsonb_set paths as text', () => {
    const row = (id: string, v: number, at: string | null): UpdateRow => ({
      kind: 'update', table: 'items', shape: 's', where: ['id'], whereValues: [id], upsert: false, guard: 'v', version: v, tableColumns: columns,
      set: [{ mode: 'set', column: 'name', value: `n"${id}` }, { mode: 'add', column: 'hits', value: v, base: 0, numeric: { type: 'int' } }, { mode: 'replace', column: 'doc', path: `$[${v}]."a b"`, value: 'done', json: false }, { mode: 'set', column: 'at', value: at }, { mode: 'add', column: 'd', value: '-0.25', base: '0.00', numeric: { type: 'decimal', precision: 12, scale: 2 } }],
    });
    expect(postgresChanges.build(group(row('a', 2, '2024-01-02 03:04:05.678'), row('b', 3, null)))).toEqual([{
      sql: 'UPDATE "items" AS t SET "name" = s.v0, "hits" = t."hits" + s.v1, "doc" = jsonb_set(t."doc", s.p2::text[], s.v2, false), "at" = s.v3, "d" = t."d" + s.v4'
        + ' FROM unnest(?::varchar[], ?::varchar[], ?::numeric[], ?::text[], ?::jsonb[], ?::timestamp[], ?::numeric[], ?::bigint[]) AS s(w0, v0, v1, p2, v2, v3, v4, ver)'
        + ' WHERE t."id" = s.w0 AND t."v" < s.ver',
      params: ['{"a","b"}', '{"n\\"a","n\\"b"}', '{"2","3"}', '{"{\\"2\\",\\"a b\\"}","{\\"3\\",\\"a b\\"}"}', '{"\\"done\\"","\\"done\\""}', '{"2024-01-02 03:04:05.678",NULL}', '{"-0.25","-0.25"}', '{"2","3"}'],
    }]);
  });

  it('deletes the rows of a shape with one DELETE … USING unnest, composite key and version guard in the join', () => {
    const row = (id: string, k: number, v: number): DeleteRow => ({ kind: 'delete', table: 'items', shape: 's', where: ['id', 'k'], whereValues: [id, k], guard: 'v', version: v, tableColumns: columns });
    expect(postgresChanges.build(group(row('a', 1, 7), row('b', 2, 8)))).toEqual([{
      sql: 'DELETE FROM "items" AS t USING unnest(?::varchar[], ?::integer[], ?::bigint[]) AS s(w0, w1, ver) WHERE t."id" = s.w0 AND t."k" = s.w1 AND t."v" < s.ver',
      params: ['{"a","b"}', '{"1","2"}', '{"7","8"}'],
    }]);
    const unguarded: DeleteRow = { kind: 'delete', table: 'items', shape: 's', where: ['id'], whereValues: ['a'], tableColumns: columns };
    expect(postgresChanges.build(group(unguarded))[0]?.sql).toBe('DELETE FROM "items" AS t USING unnest(?::varchar[]) AS s(w0) WHERE t."id" = s.w0');
  });

  it('keeps a multi-row update or delete at as many parameters as columns, split at 1,000 rows a statement', () => {
    const rows = Array.from({ length: 2500 }, (_, i): DeleteRow => ({ kind: 'delete', table: 'items', shape: 's', where: ['id'], whereValues: [`k${i}`], tableColumns: columns }));
    const statements = postgresChanges.build(group(...rows));
    expect(statements.map((s) => s.params.length)).toEqual([1, 1, 1]);
    expect(statements.map((s) => (s.params[0] as string).split(',').length)).toEqual([1000, 1000, 500]);
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

  it('without column definitions, deletes one row a statement, guarded by version', () => {
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
