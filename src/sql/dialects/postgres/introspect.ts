/**
 * PostgreSQL introspection: the tables of the connection's current schema (`public` unless the
 * search_path says otherwise), read from pg_catalog, in the vocabulary postgres/ddl.ts prints.
 */
import type { Knex } from 'knex';
import { tableOf, unquoteDefault, type LiveTable } from '../../live-schema.js';
import { timestampText } from './values.js';

interface ColumnRow {
  table_name: string;
  column_name: string;
  type: string;
  /** Booleans read back as 1/0 on the engine's connections (values.ts), true/false elsewhere. */
  nullable: boolean | number;
  column_default: string | null;
  collation_name: string | null;
}

interface IndexRow {
  table_name: string;
  index_name: string;
  is_unique: boolean | number;
  is_primary: boolean | number;
  column_name: string;
}

/** format_type's spelling as ddl.ts writes it: `character varying(n)` is `varchar(n)`, a timestamp names no zone. */
export function postgresType(formatted: string): string {
  return formatted
    .replace(/^character varying/u, 'varchar')
    .replace(/^timestamp(\(\d+\))? without time zone$/u, 'timestamp$1');
}

/**
 * A default as pg_get_expr prints it, unquoted like the other databases': `'it''s'::character
 * varying` is `it's`, `'-5'::integer` is `-5`, and a boolean is 1/0 as MariaDB's reads back.
 */
export function postgresDefault(expr: string | null): string | null {
  if (expr === null) return null;
  let e = expr.trim();
  for (let m = /^(.*?)::[a-z][a-z0-9 _]*(?:\(\d+(?:,\d+)?\))?$/su.exec(e); m !== null; m = /^(.*?)::[a-z][a-z0-9 _]*(?:\(\d+(?:,\d+)?\))?$/su.exec(e)) {
    e = (m[1] ?? '').trim().replace(/^\((.*)\)$/su, '$1');
  }
  if (e === 'true') return '1';
  if (e === 'false') return '0';
  return unquoteDefault(e);
}

export async function postgresSchema(db: Knex): Promise<Map<string, LiveTable>> {
  const cols = (await db.raw(
    `select c.relname as table_name, a.attname as column_name, format_type(a.atttypid, a.atttypmod) as type,
            not a.attnotnull as nullable, pg_get_expr(d.adbin, d.adrelid) as column_default,
            co.collname as collation_name
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
       left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
       left join pg_collation co on co.oid = a.attcollation
      where n.nspname = current_schema() and c.relkind in ('r', 'p')
      ORDER BY c.relname, a.attnum`,
  )) as { rows: ColumnRow[] };
  const idx = (await db.raw(
    `select t.relname as table_name, i.relname as index_name, x.indisunique as is_unique,
            x.indisprimary as is_primary, a.attname as column_name
       from pg_index x
       join pg_class t on t.oid = x.indrelid
       join pg_class i on i.oid = x.indexrelid
       join pg_namespace n on n.oid = t.relnamespace
       cross join lateral unnest(x.indkey::int2[]) with ordinality as k(attnum, ord)
       join pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum
      where n.nspname = current_schema()
      ORDER BY t.relname, i.relname, k.ord`,
  )) as { rows: IndexRow[] };
  const tables = new Map<string, LiveTable>();
  for (const r of cols.rows) {
    // 'default' is the database's collation, which the column did not name.
    const collation = r.collation_name === null || r.collation_name === 'default' ? null : r.collation_name;
    const type = postgresType(r.type);
    const dflt = postgresDefault(r.column_default);
    // A timestamp default reads back without its zero milliseconds; MariaDB's has them.
    const shown = dflt !== null && type.startsWith('timestamp') ? timestampText(dflt) : dflt;
    tableOf(tables, r.table_name).columns.push({ name: r.column_name, type, nullable: Boolean(r.nullable), default: shown, collation });
  }
  for (const s of idx.rows) {
    const t = tableOf(tables, s.table_name);
    if (Boolean(s.is_primary)) {
      t.primaryKey.push(s.column_name);
      continue;
    }
    let index = t.indexes.find((i) => i.name === s.index_name);
    if (index === undefined) {
      index = { name: s.index_name, unique: Boolean(s.is_unique), columns: [] };
      t.indexes.push(index);
    }
    index.columns.push(s.column_name);
  }
  return tables;
}
