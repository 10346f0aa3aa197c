/** SQLite introspection: sqlite_master and the PRAGMA table-valued functions. */
import type { Knex } from 'knex';
import { tableOf, unquoteDefault, type LiveTable } from '../../live-schema.js';

export async function sqliteSchema(db: Knex): Promise<Map<string, LiveTable>> {
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
