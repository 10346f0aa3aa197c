/**
 * `ddl --apply` against every server database (MariaDB, PostgreSQL: one fresh database per test),
 * MariaDB's own catalogue and errors, and SQLite files. CI must provide DATABASE_URL and
 * POSTGRES_URL; locally the missing server's part is skipped.
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Knex } from 'knex';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TableDef } from '../../src/compile/plan.js';
import { applyDdl } from '../../src/sql/apply.js';
import { openKnex } from '../../src/sql/connection.js';
import { indexName } from '../../src/sql/ddl.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { introspect } from '../../src/sql/introspect.js';
import { orderLines } from '../fixtures/tables.js';
import { eachServer, type FreshDb } from '../helpers/services.js';

const DATABASE_URL = process.env.DATABASE_URL;
const IN_CI = process.env.CI === 'true';

const { skip, servers } = eachServer();
const ALL = [orderLines, ...ENGINE_TABLES];
const ALL_NAMES = ALL.map((t) => t.name).sort();

/** order_lines with a longer `status`, a new column, a new index and `note` no longer declared. */
const changed: TableDef = {
  ...orderLines,
  columns: [
    ...orderLines.columns.filter((c) => c.name !== 'note').map((c) => (c.name === 'status' ? { ...c, length: 64 } : c)),
    { name: 'gift_message', type: 'string', nullable: true },
  ],
  indexes: [...orderLines.indexes, ['quantity']],
};

function expectNoOp(report: Awaited<ReturnType<typeof applyDdl>>, tables: string[]): void {
  expect(report).toEqual({ created: [], indexesCreated: [], columnsAdded: [], differences: [], unchanged: tables, warnings: [] });
}

describe.skipIf(DATABASE_URL === undefined && !IN_CI)('ddl --apply on MariaDB: its catalogue, types and errors', () => {
  let admin: Knex;
  let database = '';
  let url = '';

  beforeAll(async () => {
    if (DATABASE_URL === undefined) {
      throw new Error('DATABASE_URL is not set: CI must run this against MariaDB (eval "$(scripts/services.sh up)")');
    }
    admin = openKnex(DATABASE_URL);
    return () => admin.destroy();
  });

  async function freshDatabase(): Promise<void> {
    database = `sc_test_${randomBytes(6).toString('hex')}`;
    await admin.raw('create database ?? character set utf8mb4 collate utf8mb4_unicode_ci', [database]);
    const u = new URL(DATABASE_URL ?? '');
    u.pathname = `/${database}`;
    url = u.toString();
  }

  afterEach(async () => {
    if (database !== '') await admin.raw('drop database if exists ??', [database]);
    database = '';
  });

  async function columns(table: string): Promise<Record<string, unknown[]>> {
    const [rows] = (await admin.raw(
      `select column_name as c, data_type as data_type, character_maximum_length as character_maximum_length,
              numeric_precision as numeric_precision, numeric_scale as numeric_scale,
              datetime_precision as datetime_precision, is_nullable as is_nullable, column_default as column_default
         from information_schema.columns where table_schema = ? and table_name = ? order by ordinal_position`,
      [database, table],
    )) as [Array<Record<string, unknown>>];
    // bigNumberStrings: information_schema's BIGINT UNSIGNED counts arrive as strings.
    const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
    return Object.fromEntries(
      rows.map((r) => [
        String(r.c),
        [r.data_type, num(r.character_maximum_length), num(r.numeric_precision), num(r.numeric_scale)]
          .concat([num(r.datetime_precision), r.is_nullable, r.column_default ?? null]),
      ]),
    );
  }

  it("creates InnoDB tables in the database's utf8mb4_unicode_ci", async () => {
    await freshDatabase();
    await applyDdl(url, ALL);
    const [tables] = (await admin.raw(
      `select table_name as t, engine as e, table_collation as c from information_schema.tables
        where table_schema = ? order by table_name`,
      [database],
    )) as [Array<{ t: string; e: string; c: string }>];
    expect(tables).toEqual(ALL_NAMES.map((t) => ({ t, e: 'InnoDB', c: 'utf8mb4_unicode_ci' })));
  });

  it('round-trips every column type through information_schema', async () => {
    await freshDatabase();
    await applyDdl(url, [orderLines]);
    // data_type, char length, numeric precision, scale, datetime precision, nullable, default.
    // MariaDB ≥10.2.7 quotes string defaults; JSON reads back as longtext (plus a CHECK below).
    expect(await columns('order_lines')).toEqual({
      order_id: ['varchar', 64, null, null, null, 'NO', null],
      line_no: ['int', null, 10, 0, null, 'NO', null],
      sku: ['varchar', 255, null, null, null, 'NO', null],
      note: ['mediumtext', 16777215, null, null, null, 'YES', 'NULL'],
      quantity: ['int', null, 10, 0, null, 'NO', '0'],
      total_cents: ['bigint', null, 19, 0, null, 'NO', '-1'],
      unit_price: ['decimal', null, 12, 4, null, 'NO', '0.0000'],
      discount: ['decimal', null, 18, 2, null, 'YES', 'NULL'],
      is_gift: ['tinyint', null, 3, 0, null, 'NO', '0'],
      is_paid: ['tinyint', null, 3, 0, null, 'NO', '1'],
      status: ['varchar', 32, null, null, null, 'NO', "'it''s new?'"],
      placed_at: ['datetime', null, null, null, 3, 'NO', "'1970-01-01 00:00:00.000'"],
      shipped_at: ['datetime', null, null, null, 3, 'YES', 'NULL'],
      attributes: ['longtext', 4294967295, null, null, null, 'YES', 'NULL'],
    });
    const [checks] = (await admin.raw(
      'select check_clause as c from information_schema.check_constraints where constraint_schema = ? and table_name = ?',
      [database, 'order_lines'],
    )) as [Array<{ c: string }>];
    expect(checks.map((r) => r.c)).toEqual(['json_valid(`attributes`)']);
    // Key and unique columns compare exactly (as on SQLite); other text keeps the table's collation.
    const [collations] = (await admin.raw(
      'select column_name as n, collation_name as c from information_schema.columns where table_schema = ? and table_name = ? and collation_name is not null order by ordinal_position',
      [database, 'order_lines'],
    )) as [Array<{ n: string; c: string }>];
    expect(Object.fromEntries(collations.map((r) => [r.n, r.c]))).toEqual({
      order_id: 'utf8mb4_nopad_bin', sku: 'utf8mb4_nopad_bin', note: 'utf8mb4_unicode_ci', status: 'utf8mb4_unicode_ci', attributes: 'utf8mb4_bin',
    });
  });

  it('a statement the server refuses is a clear error naming the table, not a driver stack', async () => {
    await freshDatabase();
    // 16383 utf8mb4 characters and another string column: over InnoDB's 65,535-byte row (error 1118).
    const wide: TableDef = {
      name: 'wide_row', key: ['id'], unique: [], indexes: [], log: false,
      columns: [{ name: 'id', type: 'string', length: 64, nullable: false }, { name: 'body', type: 'string', length: 16383, nullable: true }],
    };
    await expect(applyDdl(url, [wide])).rejects.toThrow(/^cannot create table wide_row: Row size too large.* \(error 1118 ER_TOO_BIG_ROWSIZE\)$/s);
  });
});

/**
 * What ddl --apply does on every server database (issue-20-postgres-ddl.int reads PostgreSQL's
 * catalogue back as the MariaDB cases above read information_schema).
 */
describe.skipIf(skip).each(servers)('ddl --apply on $name', (server) => {
  let db: FreshDb | undefined;
  afterEach(async () => {
    await db?.drop();
    db = undefined;
  });

  it('creates every table and index on an empty database, then is a no-op', async () => {
    db = await server.fresh('sc_ddl');
    const first = await applyDdl(db.url, ALL);
    expect(first.created).toEqual(ALL_NAMES);
    expect(first.indexesCreated).toEqual([
      indexName('uq', 'order_lines', ['order_id', 'sku']),
      indexName('idx', 'order_lines', ['sku']),
      indexName('idx', 'order_lines', ['status', 'placed_at']),
      indexName('idx', 'sc_dead_letters', ['created_at']),
      indexName('idx', 'sc_dead_letters', ['consumer_group', 'topic', 'partition', 'offset']),
      indexName('idx', 'sc_processed_events', ['processed_at']),
    ]);
    expect(first.differences).toEqual([]);
    expectNoOp(await applyDdl(db.url, ALL), ALL_NAMES);
  });

  it('reports a changed table and alters nothing', async () => {
    db = await server.fresh('sc_ddl');
    await applyDdl(db.url, [orderLines]);
    const k = openKnex(db.url);
    const before = await introspect(k, server.kind);
    const report = await applyDdl(db.url, [changed]);
    expect(report.created).toEqual([]);
    expect(report.indexesCreated).toEqual([indexName('idx', 'order_lines', ['quantity'])]);
    expect(report.unchanged).toEqual([]);
    expect(report.differences).toEqual([
      {
        table: 'order_lines',
        column: 'status',
        expected: "varchar(64) not null default it's new?",
        actual: "varchar(32) not null default it's new?",
      },
      { table: 'order_lines', column: 'gift_message', expected: 'varchar(255) null', actual: 'missing' },
      { table: 'order_lines', column: 'note', expected: 'not declared', actual: `${server.kind === 'mysql' ? 'mediumtext' : 'text'} null` },
    ]);
    try {
      const after = await introspect(k, server.kind);
      expect(after.get('order_lines')?.columns).toEqual(before.get('order_lines')?.columns);
    } finally {
      await k.destroy();
    }
  });
});

describe('ddl --apply on SQLite', () => {
  const file = join(tmpdir(), `sc_test_${randomBytes(6).toString('hex')}.db`);
  afterEach(() => rmSync(file, { force: true }));

  it('creates every table, then is a no-op', async () => {
    const first = await applyDdl(`sqlite:${file}`, ALL);
    expect(first.created).toEqual(ALL_NAMES);
    expect(first.differences).toEqual([]);
    expectNoOp(await applyDdl(`sqlite:${file}`, ALL), ALL_NAMES);
  });

  it('reports a changed table and alters nothing', async () => {
    await applyDdl(`sqlite:${file}`, [orderLines]);
    const report = await applyDdl(`sqlite:${file}`, [changed]);
    expect(report.indexesCreated).toEqual([indexName('idx', 'order_lines', ['quantity'])]);
    expect(report.differences.map((d) => `${d.column}: ${d.expected} / ${d.actual}`)).toEqual([
      "status: varchar(64) not null default it's new? / varchar(32) not null default it's new?",
      'gift_message: varchar(255) null / missing',
      'note: not declared / text null',
    ]);
    const db = openKnex(`sqlite:${file}`);
    const cols = (await db.raw('select name, type from pragma_table_info(?)', ['order_lines'])) as Array<{ name: string }>;
    await db.destroy();
    expect(cols.map((c) => c.name)).toContain('note');
    expect(cols.map((c) => c.name)).not.toContain('gift_message');
  });

  it('creates indexes whose readable names collide across tables (uq_a_b_c), and is truthful', async () => {
    const t = (name: string, unique: string[][], cols: string[]): TableDef => ({
      name, key: ['id'], unique, indexes: [], log: false,
      columns: [{ name: 'id', type: 'string', nullable: false }, ...cols.map((c) => ({ name: c, type: 'string' as const, nullable: true }))],
    });
    const tables = [t('a_b', [['c']], ['c']), t('a', [['b_c']], ['b_c'])];
    const first = await applyDdl(`sqlite:${file}`, tables);
    expect(first.indexesCreated.sort()).toEqual([indexName('uq', 'a', ['b_c']), indexName('uq', 'a_b', ['c'])].sort());
    expect(first.differences).toEqual([]);
    expectNoOp(await applyDdl(`sqlite:${file}`, tables), ['a', 'a_b']);
    // The unique index really holds on both tables.
    const db = openKnex(`sqlite:${file}`);
    try {
      await db.raw(`insert into a (id, b_c) values ('1', 'x')`);
      await expect(db.raw(`insert into a (id, b_c) values ('2', 'x')`)).rejects.toThrow(/UNIQUE/);
    } finally {
      await db.destroy();
    }
  });

  it('reports an index whose name another table holds instead of claiming it created', async () => {
    const db = openKnex(`sqlite:${file}`);
    const name = indexName('idx', 'order_lines', ['sku']);
    await db.raw('create table other (x text)');
    await db.raw(`create index \`${name}\` on other (x)`);
    await db.destroy();
    const report = await applyDdl(`sqlite:${file}`, [orderLines]);
    expect(report.indexesCreated).not.toContain(name);
    expect(report.differences).toEqual([{ table: 'order_lines', column: `(index ${name})`, expected: '(sku)', actual: 'name taken by an index of table other' }]);
  });

  it('works on an in-memory database', async () => {
    expect((await applyDdl('sqlite::memory:', ENGINE_TABLES)).created).toHaveLength(ENGINE_TABLES.length);
  });
});
