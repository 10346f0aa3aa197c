/** MariaDB/MySQL introspection: information_schema of DATABASE(). */
import type { Knex } from 'knex';
import { KEY_COLLATIONS } from '../../ddl.js';
import { tableOf, unquoteDefault, type LiveTable } from '../../live-schema.js';

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

export async function mysqlSchema(db: Knex): Promise<Map<string, LiveTable>> {
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

/** The best key collation the server has (see KEY_COLLATIONS). */
export async function serverKeyCollation(db: Knex): Promise<string> {
  const [rows] = (await db.raw(`show collation where charset = 'utf8mb4'`)) as [Array<Record<string, unknown>>];
  const have = new Set(rows.map((r) => String(r.Collation ?? r.collation)));
  return KEY_COLLATIONS.find((c) => have.has(c)) ?? 'utf8mb4_bin';
}
