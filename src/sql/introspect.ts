/**
 * Reads the live schema of the connected database into the same vocabulary `ddl.ts` prints
 * (`columnSqlType`), so `apply.ts` can compare plain strings.
 * mysql: information_schema of DATABASE(); sqlite: the PRAGMA table-valued functions.
 */
import type { Knex } from 'knex';
import type { DatabaseKind } from './connection.js';

export interface LiveColumn {
  name: string;
  /** Lower-case SQL type, e.g. `varchar(128)`, `decimal(18,2)`, `datetime(3)`. */
  type: string;
  nullable: boolean;
  /** The default as an unquoted literal; `null` when there is none (or it is NULL). */
  default: string | null;
  /** MySQL: the column's collation (character columns); SQLite: always null. */
  collation: string | null;
}

export interface LiveIndex {
  name: string;
  unique: boolean;
  columns: string[];
}

export interface LiveTable {
  name: string;
  columns: LiveColumn[];
  primaryKey: string[];
  /** Secondary indexes, without the primary key. */
  indexes: LiveIndex[];
}

/** Undoes SQL string quoting: MariaDB ≥10.2.7 and SQLite report `'it''s'`, MySQL 8 `it's`. */
function unquoteDefault(raw: string | null): string | null {
  if (raw === null || raw === 'NULL') return null;
  const m = /^'(.*)'$/s.exec(raw);
  return m?.[1] === undefined ? raw : m[1].replace(/''/g, "'").replace(/\\'/g, "'");
}

interface MysqlColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  column_type: string;
  char_length: number | string | null;
  num_precision: number | string | null;
  num_scale: number | string | null;
  dt_precision: number | string | null;
  is_nullable: string;
  column_default: string | null;
  column_key: string;
  collation_name: string | null;
}

/** Rebuilds the type from DATA_TYPE and its numbers, not COLUMN_TYPE, which adds `int(11)`. */
function mysqlType(r: MysqlColumnRow): string {
  const t = r.data_type.toLowerCase();
  switch (t) {
    case 'varchar':
    case 'char':
      return `${t}(${Number(r.char_length)})`;
    case 'decimal':
      return `decimal(${Number(r.num_precision)},${Number(r.num_scale)})`;
    case 'datetime':
    case 'timestamp':
      return Number(r.dt_precision) > 0 ? `${t}(${Number(r.dt_precision)})` : t;
    case 'tinyint':
      return r.column_type.toLowerCase().startsWith('tinyint(1)') ? 'tinyint(1)' : t;
    // MariaDB's JSON is LONGTEXT plus a JSON_VALID check and reads back as longtext
    // (https://mariadb.com/kb/en/json-data-type/); `ddl` never emits LONGTEXT otherwise.
    case 'longtext':
      return 'json';
    default:
      return t;
  }
}

async function mysqlSchema(db: Knex): Promise<Map<string, LiveTable>> {
  const [cols] = (await db.raw(
    `select table_name as table_name, column_name as column_name, data_type as data_type,
            column_type as column_type, character_maximum_length as char_length,
            numeric_precision as num_precision, numeric_scale as num_scale,
            datetime_precision as dt_precision, is_nullable as is_nullable,
            column_default as column_default, column_key as column_key, ordinal_position as pos,
            collation_name as collation_name
       from information_schema.columns where table_schema = database()`,
  )) as [Array<MysqlColumnRow & { pos: number | string }>];
  // Sorted here rather than in SQL: declared column sequence, then index column sequence.
  cols.sort((a, b) => a.table_name.localeCompare(b.table_name) || Number(a.pos) - Number(b.pos));
  const [stats] = (await db.raw(
    `select table_name as table_name, index_name as index_name, non_unique as non_unique,
            column_name as column_name, seq_in_index as seq
       from information_schema.statistics where table_schema = database()`,
  )) as [Array<{ table_name: string; index_name: string; non_unique: number | string; column_name: string; seq: number | string }>];
  stats.sort((a, b) => a.table_name.localeCompare(b.table_name) || a.index_name.localeCompare(b.index_name) || Number(a.seq) - Number(b.seq));
  const tables = new Map<string, LiveTable>();
  for (const r of cols) {
    const t = tableOf(tables, r.table_name);
    const nullable = r.is_nullable === 'YES';
    t.columns.push({ name: r.column_name, type: mysqlType(r), nullable, default: unquoteDefault(r.column_default), collation: r.collation_name });
  }
  for (const s of stats) {
    const t = tableOf(tables, s.table_name);
    if (s.index_name === 'PRIMARY') {
      t.primaryKey.push(s.column_name);
      continue;
    }
    let idx = t.indexes.find((i) => i.name === s.index_name);
    if (idx === undefined) {
      idx = { name: s.index_name, unique: Number(s.non_unique) === 0, columns: [] };
      t.indexes.push(idx);
    }
    idx.columns.push(s.column_name);
  }
  return tables;
}

async function sqliteSchema(db: Knex): Promise<Map<string, LiveTable>> {
  const names = (await db.raw(
    `select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\'`,
  )) as Array<{ name: string }>;
  names.sort((a, b) => a.name.localeCompare(b.name));
  const tables = new Map<string, LiveTable>();
  for (const { name } of names) {
    const t = tableOf(tables, name);
    const info = (await db.raw('select * from pragma_table_info(?)', [name])) as Array<{
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }>;
    for (const c of info) {
      // Declared types are kept verbatim; drop spaces so `decimal(18, 2)` equals `decimal(18,2)`.
      t.columns.push({
        name: c.name,
        type: c.type.toLowerCase().replace(/\s+/g, ''),
        nullable: c.notnull === 0,
        default: unquoteDefault(c.dflt_value),
        collation: null,
      });
    }
    t.primaryKey = info.filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
    const list = (await db.raw('select * from pragma_index_list(?)', [name])) as Array<{
      name: string;
      unique: number;
      origin: string;
    }>;
    // origin 'pk' is the implicit index behind PRIMARY KEY, already in `primaryKey`.
    for (const i of list.filter((x) => x.origin !== 'pk')) {
      const cols = (await db.raw('select name, seqno from pragma_index_info(?)', [i.name])) as Array<{
        name: string;
        seqno: number;
      }>;
      cols.sort((a, b) => a.seqno - b.seqno);
      t.indexes.push({ name: i.name, unique: i.unique === 1, columns: cols.map((c) => c.name) });
    }
  }
  return tables;
}

function tableOf(tables: Map<string, LiveTable>, name: string): LiveTable {
  let t = tables.get(name);
  if (t === undefined) {
    t = { name, columns: [], primaryKey: [], indexes: [] };
    tables.set(name, t);
  }
  return t;
}

/** Every table of the connected database (mysql: the URL's database), by name. */
export function introspect(db: Knex, kind: DatabaseKind): Promise<Map<string, LiveTable>> {
  return kind === 'mysql' ? mysqlSchema(db) : sqliteSchema(db);
}
