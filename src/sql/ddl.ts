/**
 * CREATE TABLE / CREATE INDEX text for a plan's tables. knex is used only as a string
 * builder (no connection): it quotes identifiers and escapes default values per dialect.
 * What differs by database (column types, table options, key collation) is its folder's
 * DdlSyntax (sql/dialects/<d>/ddl.ts). Column types come from one function, `columnSqlType`,
 * which `apply.ts` also uses to compare the live schema, so the printed DDL and the drift check
 * cannot disagree.
 */
import { createHash } from 'node:crypto';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import type { ColumnDef, TableDef } from '../compile/plan.js';
import type { Scalar } from '../spec/types.js';
import { coerce } from './coerce.js';
import type { DdlDialect } from './dialect.js';
import { ddlSyntaxOf } from './dialects/ddl.js';

/** The databases `ddl` prints for (the library's public name for them). */
export type Dialect = DdlDialect;

/**
 * The SQL column type of a column in a dialect, lower case, as `ddl` prints it. Each dialect's
 * types are in its folder (sql/dialects/<d>/ddl.ts), with why.
 */
export function columnSqlType(column: ColumnDef, dialect: Dialect): string {
  return ddlSyntaxOf(dialect).types[column.type](column);
}

/** Postgres truncates identifiers past 63 bytes (NAMEDATALEN-1), MySQL rejects past 64. */
const MAX_IDENTIFIER = 63;

/**
 * `idx_<table>_<cols>_<hash>` / `uq_…`: readable, and unique per database. SQLite and Postgres
 * scope index names to the database (schema), and the readable part alone is ambiguous: table
 * `a_b` with unique `[c]` and table `a` with unique `[b_c]` are both `uq_a_b_c`, and
 * `CREATE INDEX IF NOT EXISTS` would then silently skip the second one. The hash is of the exact
 * (kind, table, columns), so it is stable and tells those apart; the readable part is cut to keep
 * the name within 63 characters.
 */
export function indexName(prefix: 'idx' | 'uq', table: string, columns: readonly string[]): string {
  const hash = createHash('sha256').update(JSON.stringify([prefix, table, columns])).digest('hex').slice(0, 8);
  const readable = `${prefix}_${table}_${columns.join('_')}`.slice(0, MAX_IDENTIFIER - hash.length - 1).replace(/_+$/, '');
  return `${readable}_${hash}`;
}

/**
 * `<base>_pkey`, PostgreSQL's own pattern, or, past 63 characters (which PostgreSQL would cut
 * silently, and with it the generation's tag), the base cut and a hash of it added.
 */
export function primaryKeyName(base: string): string {
  const full = `${base}_pkey`;
  if (full.length <= MAX_IDENTIFIER) return full;
  const hash = createHash('sha256').update(base).digest('hex').slice(0, 8);
  return `${base.slice(0, MAX_IDENTIFIER - hash.length - '_pkey'.length - 1)}_${hash}_pkey`;
}

/**
 * Key and unique string columns on MySQL/MariaDB compare byte for byte, as on SQLite. A `_bin`
 * collation alone is not enough: `utf8mb4_bin` is PAD SPACE, so 'k' and 'k ' are one key (and
 * event ids 'e1' and 'e1 ' one id). MariaDB 10.2+ has `utf8mb4_nopad_bin`; MySQL 8 has
 * `utf8mb4_0900_bin` (NO PAD) instead; `apply.ts` picks what the server has
 * (https://mariadb.com/kb/en/supported-character-sets-and-collations/, "NO PAD collations").
 */
export const KEY_COLLATION = 'utf8mb4_nopad_bin';
/** Key collations, the preferred first; the last is PAD SPACE, the fallback of old versions. */
export const KEY_COLLATIONS = ['utf8mb4_nopad_bin', 'utf8mb4_0900_bin', 'utf8mb4_bin'] as const;

/** The string columns of a table that are part of its key or a unique key. */
export function keyedColumns(table: TableDef): Set<string> {
  return new Set([...table.key, ...table.unique.flat()]);
}

export interface IndexStatement {
  name: string;
  unique: boolean;
  columns: string[];
  sql: string;
}

export interface TableStatements {
  table: string;
  create: string;
  indexes: IndexStatement[];
}

const builders = new Map<Dialect, Knex>();

function builder(dialect: Dialect): Knex {
  let k = builders.get(dialect);
  if (k === undefined) {
    // No `connection`: knex then never loads a driver and only compiles SQL text.
    k = knexFactory({
      client: ddlSyntaxOf(dialect).client,
      useNullAsDefault: true,
      // knex deprecates createTableIfNotExists because later ALTERs would run anyway;
      // `tableStatements` checks that knex produced exactly one statement, so that is moot.
      log: { warn: (m: string) => (m.includes('createTableIfNotExists') ? undefined : console.warn(m)) },
    });
    builders.set(dialect, k);
  }
  return k;
}

/**
 * A column's default as the database must store it: normalised by the same conversion every
 * written value goes through (`coerce`), so `"true"` for a boolean is 1 and an ISO or epoch
 * datetime is 'YYYY-MM-DD HH:MM:SS.mmm' (MariaDB rejects both as written, error 1067, and SQLite
 * would keep them un-normalised). A default that does not convert is left as written:
 * validation has reported it already.
 */
export function columnDefault(column: ColumnDef): Scalar | undefined {
  const v = column.default;
  if (v === undefined || v === null) return v;
  try {
    const out = coerce(column, v);
    if (column.type === 'boolean') return out === 1;
    return out;
  } catch {
    return v;
  }
}

/** `undefined` means no DEFAULT clause: NULL is already a nullable column's default. */
function defaultValue(k: Knex, column: ColumnDef, dialect: Dialect): Knex.Raw | string | undefined {
  const value = columnDefault(column);
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return k.raw(ddlSyntaxOf(dialect).booleanLiteral(value));
  const numeric = column.type === 'int' || column.type === 'bigint' || column.type === 'decimal';
  if (typeof value === 'number' && !Number.isFinite(value)) throw new Error(`default ${value} is not a finite number`);
  // Numbers unquoted, so DECIMAL defaults are not parsed from text; coerce checked the digits.
  if (numeric && /^-?(?:\d+(?:\.\d*)?|\.\d+)$/.test(String(value))) return k.raw(String(value));
  return String(value); // knex quotes and escapes it for the dialect
}

/**
 * The CREATE TABLE IF NOT EXISTS of one table and its CREATE INDEX statements. `keyCollation` is
 * the MySQL collation of key and unique string columns (`apply.ts` passes what the server has).
 */
export function tableStatements(table: TableDef, dialect: Dialect, keyCollation: string = KEY_COLLATION): TableStatements {
  const k = builder(dialect);
  const options = ddlSyntaxOf(dialect).tableOptions;
  const keyed = keyedColumns(table);
  const compiled = k.schema
    .createTableIfNotExists(table.name, (t) => {
      for (const column of table.columns) defineColumn(k, t, column, keyed, dialect, keyCollation);
      // InnoDB caps one index key at 3072 bytes (utf8mb4 VARCHAR(n) takes 4n), PostgreSQL's
      // B-tree an entry at 2704: nothing is shortened here, validation reports keys over the
      // limit every database holds (validate/tables.ts MAX_INDEX_BYTES).
      if (table.key.length > 0) {
        if (ddlSyntaxOf(dialect).namesPrimaryKey && table.indexBase !== undefined) t.primary(table.key, { constraintName: primaryKeyName(table.indexBase) });
        else t.primary(table.key);
      }
      if (options !== undefined) {
        t.engine(options.engine);
        t.charset(options.charset);
        t.collate(options.collate);
      }
    })
    .toSQL();
  const first = compiled[0];
  if (compiled.length !== 1 || first === undefined) {
    throw new Error(`knex compiled ${compiled.length} statements for table ${table.name}, expected 1`);
  }
  const indexes = [
    ...table.unique.map((cols) => indexStatement(k, table.name, cols, true, table.indexBase)),
    ...table.indexes.map((cols) => indexStatement(k, table.name, cols, false, table.indexBase)),
  ];
  return { table: table.name, create: first.sql, indexes };
}

function defineColumn(k: Knex, t: Knex.CreateTableBuilder, column: ColumnDef, keyed: Set<string>, dialect: Dialect, keyCollation: string): Knex.ColumnBuilder {
  const syntax = ddlSyntaxOf(dialect);
  // Keys compare exactly on every database (sql/dialects/<d>/ddl.ts says why each needs this).
  const collated = syntax.collatesKeys && column.type === 'string' && keyed.has(column.name);
  const type = columnSqlType(column, dialect);
  const c = t.specificType(column.name, collated && syntax.keyType !== undefined ? syntax.keyType(type) : type);
  if (collated && syntax.keyType === undefined) c.collate(keyCollation);
  if (column.nullable) c.nullable();
  else c.notNullable();
  const dflt = defaultValue(k, column, dialect);
  if (dflt !== undefined) c.defaultTo(dflt);
  return c;
}

/**
 * `ALTER TABLE … ADD` (or, `modify`, MySQL's `MODIFY`, which restates the whole column) of one
 * column, defined exactly as CREATE TABLE defines it. PostgreSQL has no MODIFY: knex writes one
 * `ALTER TABLE t ALTER COLUMN c …` per property (type, NOT NULL, default); they are joined into
 * one statement of several subcommands, so a column never stands half-altered
 * (https://www.postgresql.org/docs/15/sql-altertable.html).
 */
export function alterColumnSql(table: TableDef, column: ColumnDef, dialect: Dialect, how: 'add' | 'modify', keyCollation: string = KEY_COLLATION): string {
  const k = builder(dialect);
  const compiled = k.schema
    .alterTable(table.name, (t) => {
      const c = defineColumn(k, t, column, keyedColumns(table), dialect, keyCollation);
      if (how === 'modify') c.alter();
    })
    .toSQL();
  const first = compiled[0];
  if (first === undefined) throw new Error(`knex compiled no statement to ${how} ${table.name}.${column.name}`);
  const prefix = /^alter table \S+ /.exec(first.sql)?.[0];
  if (compiled.length === 1) return first.sql;
  if (prefix === undefined || !compiled.every((c) => c.sql.startsWith(prefix))) throw new Error(`knex compiled ${compiled.length} statements to ${how} ${table.name}.${column.name}, not one table's`);
  return prefix + compiled.map((c) => c.sql.slice(prefix.length)).join(', ');
}

/** IF NOT EXISTS on CREATE INDEX is MariaDB (10.1.4+), Postgres and SQLite syntax; MySQL 8 lacks it. */
export function indexStatement(k: Knex, table: string, columns: string[], unique: boolean, base: string = table): IndexStatement {
  const name = indexName(unique ? 'uq' : 'idx', base, columns);
  const verb = unique ? 'create unique index' : 'create index';
  const sql = k.raw(`${verb} if not exists ?? on ?? (??)`, [name, table, columns]).toString();
  return { name, unique, columns: [...columns], sql };
}

/** Every table's CREATE TABLE then its indexes, tables sorted by name. */
export function createTableStatements(tables: readonly TableDef[], dialect: Dialect): string[] {
  return [...tables]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((t) => {
      const s = tableStatements(t, dialect);
      return [s.create, ...s.indexes.map((i) => i.sql)];
    });
}

/** The printable script: a header comment, then each statement ended by `;`. */
export function ddlScript(tables: readonly TableDef[], dialect: Dialect): string {
  const header =
    `-- sc-project ddl for ${dialect}${ddlSyntaxOf(dialect).scriptTarget}; tables: ${tables.length}.\n` +
    '-- Generated from the projection specs; change the specs, not this file.\n';
  const statements = createTableStatements(tables, dialect);
  return statements.length === 0 ? header : `${header}${statements.join(';\n')};\n`;
}
