/** The exact SQL and parameters each dialect builds for each kind of row change (kysely's testSql style). */
import { describe, expect, it } from 'vitest';
import type { InsertRow, UpdateRow, DeleteRow } from '../rows.js';
import { mysqlChanges } from './mysql/changes.js';
import { sqliteChanges } from './sqlite/changes.js';

const insert = (id: string, name: string, o: Partial<InsertRow> = {}): InsertRow => ({ kind: 'insert', table: 'items', shape: 's', columns: ['id', 'name', 'v'], values: [id, name, 1], key: ['id'], update: [], ...o });
const group = <T extends { shape: string }>(...rows: T[]) => ({ shape: 's', rows });

describe('mysql', () => {
  it('folds inserts into one multi-row INSERT with a no-op on duplicate keys', () => {
    expect(mysqlChanges.build(group(insert('a', 'x'), insert('b', "it's")))).toEqual([{
      sql: 'INSERT INTO `items` (`id`,`name`,`v`) VALUES (?,?,?),(?,?,?) ON DUPLICATE KEY UPDATE `id` = `id`',
      params: ['a', 'x', 1, 'b', "it's", 1],
    }]);
  });

  it('assigns the version column last in a guarded upsert', () => {
    const [st] = mysqlChanges.build(group(insert('a', 'x', { update: ['v', 'name'], guard: 'v' })));
    expect(st?.sql).toBe('INSERT INTO `items` (`id`,`name`,`v`) VALUES (?,?,?) ON DUPLICATE KEY UPDATE `name` = IF(VALUES(`v`) > `v`, VALUES(`name`), `name`), `v` = IF(VALUES(`v`) > `v`, VALUES(`v`), `v`)');
  });

  it('updates many rows through a derived table, guarded by version', () => {
    const row = (id: string, v: number): UpdateRow => ({ kind: 'update', table: 'items', shape: 's', where: ['id'], whereValues: [id], set: [{ mode: 'set', column: 'name', value: 'n' }, { mode: 'add', column: 'hits', value: 2, base: 0, numeric: { type: 'int' } }, { mode: 'replace', column: 'doc', path: '$[0]."status"', value: 'done', json: false }], upsert: false, guard: 'v', version: v });
    expect(mysqlChanges.build(group(row('a', 2), row('b', 3)))).toEqual([{
      sql: 'UPDATE `items` AS t JOIN (SELECT ? AS w0, ? AS v0, ? AS v1, ? AS p2, ? AS v2, ? AS ver UNION ALL SELECT ?, ?, ?, ?, ?, ?) AS s ON t.`id` = s.w0 SET t.`name` = s.v0, t.`hits` = t.`hits` + CAST(s.v1 AS DECIMAL(65,0)), t.`doc` = JSON_REPLACE(t.`doc`, s.p2, s.v2) WHERE t.`v` < s.ver',
      params: ['a', 'n', 2, '$[0]."status"', 'done', 2, 'b', 'n', 2, '$[0]."status"', 'done', 3],
    }]);
  });

  it('creates missing counter rows with their default plus the amount', () => {
    const row: UpdateRow = { kind: 'update', table: 'tallies', shape: 's', where: ['id'], whereValues: ['u1'], set: [{ mode: 'add', column: 'n', value: -1, base: 5, numeric: { type: 'int' } }], upsert: true };
    expect(mysqlChanges.build(group(row))).toEqual([{
      sql: 'INSERT INTO `tallies` (`id`,`n`) VALUES (?,?) ON DUPLICATE KEY UPDATE `n` = `n` + (VALUES(`n`) - 5)',
      params: ['u1', 4],
    }]);
  });

  it('adds decimals exactly: the stub is computed exactly, amounts are cast to DECIMAL (issue 12)', () => {
    const row: UpdateRow = { kind: 'update', table: 'tallies', shape: 's', where: ['id'], whereValues: ['u1'], set: [{ mode: 'add', column: 'd', value: '0.20', base: '0.10', numeric: { type: 'decimal', precision: 12, scale: 2 } }], upsert: true };
    expect(mysqlChanges.build(group(row))).toEqual([{
      sql: 'INSERT INTO `tallies` (`id`,`d`) VALUES (?,?) ON DUPLICATE KEY UPDATE `d` = `d` + (VALUES(`d`) - 0.10)',
      params: ['u1', '0.30'],
    }]);
    const big: UpdateRow = { ...row, set: [{ mode: 'add', column: 'd', value: '1.00', base: '9999999999.99', numeric: { type: 'decimal', precision: 12, scale: 2 } }] };
    expect(() => mysqlChanges.build(group(big))).toThrow(/out of range value for decimal\(12,2\)/);
  });

  it('deletes through a derived table', () => {
    const row: DeleteRow = { kind: 'delete', table: 'items', shape: 's', where: ['id'], whereValues: ['a'] };
    expect(mysqlChanges.build(group(row))[0]?.sql).toBe('DELETE t FROM `items` AS t JOIN (SELECT ? AS w0) AS s ON t.`id` = s.w0');
  });

  it('splits a large group into statements of at most 1000 rows', () => {
    const rows = Array.from({ length: 2500 }, (_, i) => insert(String(i), 'x'));
    expect(mysqlChanges.build(group(...rows)).map((s) => s.params.length / 3)).toEqual([1000, 1000, 500]);
  });
});

describe('sqlite', () => {
  it('builds one statement per row with the same text', () => {
    const sts = sqliteChanges.build(group(insert('a', 'x'), insert('b', 'y')));
    expect(sts.map((s) => s.sql)).toEqual(Array(2).fill('INSERT INTO "items" ("id","name","v") VALUES (?,?,?) ON CONFLICT DO NOTHING'));
  });

  it('guards an upsert with a WHERE on the conflict update', () => {
    const [st] = sqliteChanges.build(group(insert('a', 'x', { update: ['name', 'v'], guard: 'v' })));
    expect(st?.sql).toBe('INSERT INTO "items" ("id","name","v") VALUES (?,?,?) ON CONFLICT ("id") DO UPDATE SET "name" = excluded."name", "v" = excluded."v" WHERE excluded."v" > "items"."v"');
  });

  it('updates with a version guard in the WHERE clause', () => {
    const row: UpdateRow = { kind: 'update', table: 'items', shape: 's', where: ['id'], whereValues: ['a'], set: [{ mode: 'replace', column: 'doc', path: '$[1]', value: '{"a":1}', json: true }], upsert: false, guard: 'v', version: 4 };
    expect(sqliteChanges.build(group(row))).toEqual([{ sql: 'UPDATE "items" SET "doc" = json_replace("doc", ?, json(?)) WHERE "id" = ? AND "v" < ?', params: ['$[1]', '{"a":1}', 'a', 4] }]);
  });

  it('increments through sc_add, exact and range-checked, the stub too (issue 12)', () => {
    const n = { type: 'decimal', precision: 12, scale: 2 } as const;
    const row: UpdateRow = { kind: 'update', table: 'tallies', shape: 's', where: ['id'], whereValues: ['u1'], set: [{ mode: 'add', column: 'd', value: '0.20', base: '0.10', numeric: n }], upsert: true };
    expect(sqliteChanges.build(group(row))).toEqual([{
      sql: `INSERT INTO "tallies" ("id","d") VALUES (?,sc_add(?, ?, 'decimal', 12, 2)) ON CONFLICT ("id") DO UPDATE SET "d" = sc_add("d", ?, 'decimal', 12, 2)`,
      params: ['u1', '0.10', '0.20', '0.20'],
    }]);
    expect(sqliteChanges.build(group({ ...row, upsert: false, set: [{ mode: 'add', column: 'n', value: 1, base: 0, numeric: { type: 'int' } }] }))).toEqual([{
      sql: `UPDATE "tallies" SET "n" = sc_add("n", ?, 'int', 0, 0) WHERE "id" = ?`,
      params: [1, 'u1'],
    }]);
  });
});
