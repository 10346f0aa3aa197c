/**
 * `ddl --apply`: creates what is missing and reports what differs. It never drops, alters or
 * retypes anything: a changed column may hold data, and deciding how to migrate it is the
 * operator's call. Running it twice creates nothing the second time.
 */
import type { Knex } from 'knex';
import type { ColumnDef, TableDef } from '../compile/plan.js';
import { openKnex, parseDatabaseUrl } from './connection.js';
import type { DatabaseKind } from './connection.js';
import { columnDefault, columnSqlType, keyedColumns, tableStatements } from './ddl.js';
import type { IndexStatement } from './ddl.js';
import { dialectOf } from './dialects/index.js';
import { introspect } from './introspect.js';
import type { LiveColumn, LiveTable } from './introspect.js';

/**
 * One mismatch between a TableDef and the live table. `column` is a column name, or
 * `(primary key)` / `(index <name>)`; `expected` is `missing`/`not declared` when one side lacks it.
 */
export interface SchemaDifference {
  table: string;
  column: string;
  expected: string;
  actual: string;
}

export interface ApplyReport {
  /** Tables created by this run (with their indexes). */
  created: string[];
  /** Every index this run created, on new and on existing tables. */
  indexesCreated: string[];
  /** Always empty: missing columns are reported in `differences`, never added. */
  columnsAdded: string[];
  differences: SchemaDifference[];
  /** Existing tables that needed nothing and differ in nothing. */
  unchanged: string[];
  /** Things about the server that weaken a guarantee (no NO PAD collation), to be logged. */
  warnings: string[];
}

/** Applies the tables to the database at `databaseUrl` (mysql:// or sqlite:). */
export async function applyDdl(databaseUrl: string, tables: readonly TableDef[]): Promise<ApplyReport> {
  const kind = parseDatabaseUrl(databaseUrl).kind;
  const db = openKnex(databaseUrl);
  const report: ApplyReport = { created: [], indexesCreated: [], columnsAdded: [], differences: [], unchanged: [], warnings: [] };
  try {
    const keyCollation = await dialectOf(kind).keyCollation(db);
    if (keyCollation === 'utf8mb4_bin') {
      report.warnings.push('the server has no NO PAD binary collation (utf8mb4_nopad_bin, utf8mb4_0900_bin): key columns use utf8mb4_bin, where keys and event ids that differ only in trailing spaces are one');
    }
    const live = await introspect(db, kind);
    // Index names are per database on SQLite and Postgres: one taken by another table's index
    // would make CREATE INDEX IF NOT EXISTS a silent no-op, so it is reported instead.
    const owners = new Map<string, string>();
    for (const t of live.values()) for (const i of t.indexes) owners.set(i.name, t.name);
    const createIndexes = async (table: string, indexes: IndexStatement[]): Promise<void> => {
      for (const index of indexes) {
        const owner = owners.get(index.name);
        if (!dialectOf(kind).indexNamesPerTable && owner !== undefined && owner !== table) {
          report.differences.push({ table, column: `(index ${index.name})`, expected: describeIndex(index), actual: `name taken by an index of table ${owner}` });
          continue;
        }
        await exec(db, index.sql, `create index ${index.name} on table ${table}`);
        owners.set(index.name, table);
        report.indexesCreated.push(index.name);
      }
    };
    const sorted = [...tables].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const table of sorted) {
      const statements = tableStatements(table, kind, keyCollation);
      const existing = live.get(table.name);
      if (existing === undefined) {
        await exec(db, statements.create, `create table ${table.name}`);
        report.created.push(table.name);
        await createIndexes(table.name, statements.indexes);
        continue;
      }
      const differences = [...diffColumns(table, existing, kind, keyCollation), ...diffKeys(table, existing, statements.indexes)];
      // An index counts as present by name, or when one with the same columns already exists.
      const present = (i: IndexStatement): boolean => existing.indexes.some((l) => l.name === i.name || covers(l, i));
      const missing = statements.indexes.filter((i) => !present(i));
      const before = report.differences.length;
      await createIndexes(table.name, missing);
      report.differences.push(...differences);
      if (differences.length === 0 && missing.length === 0 && report.differences.length === before) report.unchanged.push(table.name);
    }
    await verifyCreated(db, kind, tables, report);
  } finally {
    await db.destroy();
  }
  return report;
}

/**
 * Without bindings knex.raw sends the text unchanged, so a `?` inside a DEFAULT literal is not
 * taken for a placeholder (the fixture's `'it''s new?'` default pins this).
 */
async function exec(db: Knex, sql: string, what: string): Promise<unknown> {
  try {
    return await db.raw(sql);
  } catch (e) {
    throw new ApplyError(what, e);
  }
}

/**
 * A statement the database refused, named by what it was for (`create table t`), with the
 * server's own message and error number rather than a driver stack.
 */
export class ApplyError extends Error {
  constructor(what: string, cause: unknown) {
    const c = (cause ?? {}) as { sqlMessage?: unknown; errno?: unknown; code?: unknown; message?: unknown };
    const text = typeof c.sqlMessage === 'string' ? c.sqlMessage : String(c.message ?? cause).replace(/^[\s\S]* - /, '');
    const number = typeof c.errno === 'number' ? ` (error ${c.errno}${typeof c.code === 'string' ? ` ${c.code}` : ''})` : '';
    super(`cannot ${what}: ${text}${number}`);
    this.name = 'ApplyError';
  }
}

function describeIndex(i: IndexStatement): string {
  return `${i.unique ? 'unique ' : ''}(${i.columns.join(', ')})`;
}

/** What the report says was created must be there: read the schema back and check. */
async function verifyCreated(db: Knex, kind: DatabaseKind, tables: readonly TableDef[], report: ApplyReport): Promise<void> {
  if (report.created.length === 0 && report.indexesCreated.length === 0) return;
  const live = await introspect(db, kind);
  const wanted = new Map<string, { table: string; index: IndexStatement }>();
  for (const t of tables) for (const index of tableStatements(t, kind).indexes) wanted.set(index.name, { table: t.name, index });
  report.created = report.created.filter((t) => {
    if (live.has(t)) return true;
    report.differences.push({ table: t, column: '(table)', expected: 'created', actual: 'missing after CREATE TABLE' });
    return false;
  });
  report.indexesCreated = report.indexesCreated.filter((name) => {
    const w = wanted.get(name);
    if (w === undefined) return true;
    const found = live.get(w.table)?.indexes.some((l) => l.name === name && covers(l, w.index)) ?? false;
    if (!found) report.differences.push({ table: w.table, column: `(index ${name})`, expected: describeIndex(w.index), actual: 'missing after CREATE INDEX' });
    return found;
  });
}

export function covers(live: { unique: boolean; columns: string[] }, wanted: IndexStatement): boolean {
  return sameList(live.columns, wanted.columns) && (live.unique || !wanted.unique);
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function describe(type: string, nullable: boolean, dflt: string | null): string {
  return `${type} ${nullable ? 'null' : 'not null'}${dflt === null ? '' : ` default ${dflt}`}`;
}

/** The default as introspection reports it: unquoted, booleans as 1/0 (mysql and sqlite). */
export function expectedDefault(c: ColumnDef): string | null {
  const d = columnDefault(c);
  if (d === undefined || d === null) return null;
  if (typeof d === 'boolean') return d ? '1' : '0';
  return String(d);
}

/** MariaDB reads back `0` as `0.00` and datetimes with `.000`; compare values, not spelling. */
export function sameDefault(c: ColumnDef, live: string | null, wanted: string | null): boolean {
  if (live === null || wanted === null) return live === wanted;
  if (['int', 'bigint', 'decimal', 'boolean'].includes(c.type)) return Number(live) === Number(wanted);
  if (c.type === 'datetime') return live.replace(/\.?0*$/, '') === wanted.replace(/\.?0*$/, '');
  return live === wanted;
}

function diffColumns(table: TableDef, live: LiveTable, kind: DatabaseKind, keyCollation: string): SchemaDifference[] {
  const out: SchemaDifference[] = [];
  const keyed = keyedColumns(table);
  const byName = new Map<string, LiveColumn>(live.columns.map((c) => [c.name, c]));
  for (const c of table.columns) {
    const type = columnSqlType(c, kind);
    const expected = describe(type, c.nullable, expectedDefault(c));
    const l = byName.get(c.name);
    if (l === undefined) {
      out.push({ table: table.name, column: c.name, expected, actual: 'missing' });
    } else if (l.type !== type || l.nullable !== c.nullable || !sameDefault(c, l.default, expectedDefault(c))) {
      out.push({ table: table.name, column: c.name, expected, actual: describe(l.type, l.nullable, l.default) });
    } else if (dialectOf(kind).checksKeyCollation && c.type === 'string' && keyed.has(c.name) && l.collation !== keyCollation) {
      // A key made by an older version (utf8mb4_bin, PAD SPACE) or by hand: 'k' and 'k ' are one row there.
      out.push({ table: table.name, column: c.name, expected: `${expected} collate ${keyCollation}`, actual: `${describe(l.type, l.nullable, l.default)} collate ${l.collation ?? 'none'}` });
    }
  }
  const declared = new Set(table.columns.map((c) => c.name));
  for (const l of live.columns.filter((x) => !declared.has(x.name))) {
    const actual = describe(l.type, l.nullable, l.default);
    out.push({ table: table.name, column: l.name, expected: 'not declared', actual });
  }
  return out;
}

function diffKeys(table: TableDef, live: LiveTable, indexes: IndexStatement[]): SchemaDifference[] {
  const list = (cols: readonly string[]): string => (cols.length === 0 ? 'none' : `(${cols.join(', ')})`);
  const out: SchemaDifference[] = [];
  if (!sameList(table.key, live.primaryKey)) {
    out.push({ table: table.name, column: '(primary key)', expected: list(table.key), actual: list(live.primaryKey) });
  }
  for (const i of indexes) {
    const l = live.indexes.find((x) => x.name === i.name);
    if (l !== undefined && !covers(l, i)) {
      const show = (u: boolean, cols: string[]): string => `${u ? 'unique ' : ''}${list(cols)}`;
      const [expected, actual] = [show(i.unique, i.columns), show(l.unique, l.columns)];
      out.push({ table: table.name, column: `(index ${i.name})`, expected, actual });
    }
  }
  return out;
}
