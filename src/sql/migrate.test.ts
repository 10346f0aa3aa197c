import { describe, expect, it } from 'vitest';
import type { ColumnDef, TableDef } from '../compile/plan.js';
import { expectedDefault } from './apply.js';
import { columnSqlType, tableStatements } from './ddl.js';
import type { LiveTable } from './introspect.js';
import { formatMigrations, planMigrations, typeChange, type MigrationDialect } from './migrate.js';

/** The table as it was built: what introspection reads back from a database made by `ddl`. */
function liveOf(t: TableDef, dialect: MigrationDialect): LiveTable {
  return {
    name: t.name,
    columns: t.columns.map((c) => ({ name: c.name, type: columnSqlType(c, dialect), nullable: c.nullable, default: expectedDefault(c), collation: null })),
    primaryKey: [...t.key],
    indexes: tableStatements(t, dialect).indexes.map((i) => ({ name: i.name, unique: i.unique, columns: i.columns })),
  };
}

const BASE: TableDef = {
  name: 'widgets',
  columns: [
    { name: 'widget_id', type: 'string', length: 64, nullable: false },
    { name: 'label', type: 'string', length: 64, nullable: true },
    { name: 'price', type: 'decimal', precision: 10, scale: 2, nullable: true },
    { name: 'hits', type: 'int', nullable: false, default: 0 },
    { name: 'state', type: 'string', length: 16, nullable: false, default: 'new' },
    { name: 'note', type: 'text', nullable: true },
  ],
  key: ['widget_id'],
  unique: [],
  indexes: [['state']],
  log: false,
};

const col = (name: string): ColumnDef => BASE.columns.find((c) => c.name === name) as ColumnDef;
const withColumn = (name: string, c: Partial<ColumnDef>): TableDef => ({ ...BASE, columns: BASE.columns.map((x) => (x.name === name ? { ...x, ...c } : x)) });
const added = (c: ColumnDef): TableDef => ({ ...BASE, columns: [...BASE.columns, c] });

/** One spec change per kind: the new spec of `widgets`, built from BASE. */
const CASES: Record<string, TableDef> = {
  'add-column-nullable': added({ name: 'color', type: 'string', length: 32, nullable: true }),
  'add-column-default': added({ name: 'views', type: 'int', nullable: false, default: 0 }),
  'add-not-null-column': added({ name: 'owner', type: 'string', length: 32, nullable: false }),
  'add-index': { ...BASE, indexes: [['state'], ['label']] },
  'change-index': { ...BASE, indexes: [['label']] },
  'widen-string': withColumn('label', { length: 255 }),
  'widen-decimal': withColumn('price', { precision: 14, scale: 3 }),
  'widen-int': withColumn('hits', { type: 'bigint' }),
  'make-nullable': withColumn('state', { nullable: true }),
  'change-default': withColumn('state', { default: 'draft' }),
  'drop-column': { ...BASE, columns: BASE.columns.filter((c) => c.name !== 'note') },
  'narrow': withColumn('label', { length: 16 }),
  'change-type': withColumn('note', { type: 'json' }),
  'make-not-null': withColumn('label', { nullable: false }),
  'change-key': { ...BASE, key: ['widget_id', 'state'] },
};

describe('migrations: golden output per kind of change', () => {
  for (const dialect of ['mysql', 'sqlite', 'postgres'] as const) {
    for (const [name, spec] of Object.entries(CASES)) {
      it(`${name} (${dialect})`, async () => {
        const out = formatMigrations(planMigrations([spec], new Map([[BASE.name, liveOf(BASE, dialect)]]), dialect), dialect, () => 'widget-board');
        await expect(out).toMatchFileSnapshot(`../../test/golden/migrations/${name}.${dialect}.sql`);
      });
    }
  }

  it('a database built from the spec needs nothing; a missing table is created', () => {
    for (const dialect of ['mysql', 'sqlite', 'postgres'] as const) {
      expect(planMigrations([BASE], new Map([[BASE.name, liveOf(BASE, dialect)]]), dialect)).toEqual([]);
      const [create] = planMigrations([BASE], new Map(), dialect);
      expect(create?.kind).toBe('create table');
      expect(create?.safe).toBe(true);
      expect(create?.sql).toHaveLength(2);
    }
  });

  it('safe and unsafe kinds', () => {
    const kinds = (spec: TableDef, dialect: MigrationDialect) => planMigrations([spec], new Map([[BASE.name, liveOf(BASE, dialect)]]), dialect).map((m) => [m.kind, m.safe]);
    expect(kinds(CASES['add-column-default'] as TableDef, 'mysql')).toEqual([['add column', true]]);
    expect(kinds(CASES['add-column-default'] as TableDef, 'sqlite')).toEqual([['add column', true]]);
    expect(kinds(CASES['widen-string'] as TableDef, 'mysql')).toEqual([['widen', true]]);
    expect(kinds(CASES['widen-string'] as TableDef, 'sqlite')).toEqual([['widen', false]]);
    expect(kinds(CASES['narrow'] as TableDef, 'mysql')).toEqual([['narrow', false]]);
    expect(kinds(CASES['drop-column'] as TableDef, 'mysql')).toEqual([['drop column', false]]);
    expect(kinds(CASES['add-not-null-column'] as TableDef, 'mysql')).toEqual([['add not null column', false]]);
    expect(col('hits').type).toBe('int');
  });

  it('typeChange', () => {
    expect(typeChange('varchar(10)', 'varchar(20)', false)).toBe('widen');
    expect(typeChange('decimal(10,2)', 'decimal(12,2)', false)).toBe('widen');
    expect(typeChange('decimal(10,2)', 'decimal(10,3)', false)).toBe('narrow');
    expect(typeChange('varchar(10)', 'mediumtext', false)).toBe('widen');
    expect(typeChange('varchar(10)', 'mediumtext', true)).toBe('change type');
    expect(typeChange('int', 'varchar(10)', false)).toBe('change type');
  });
});
