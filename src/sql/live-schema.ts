/**
 * The live schema of a connected database in the vocabulary `ddl.ts` prints (`columnSqlType`),
 * and the helpers each dialect's introspection (sql/dialects/<d>/introspect.ts) shares.
 */

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
export function unquoteDefault(raw: string | null): string | null {
  if (raw === null || raw === 'NULL') return null;
  const m = /^'(.*)'$/s.exec(raw);
  return m?.[1] === undefined ? raw : m[1].replace(/''/g, "'").replace(/\\'/g, "'");
}

/** The table of that name in `tables`, added empty when it is not there yet. */
export function tableOf(tables: Map<string, LiveTable>, name: string): LiveTable {
  let t = tables.get(name);
  if (t === undefined) {
    t = { name, columns: [], primaryKey: [], indexes: [] };
    tables.set(name, t);
  }
  return t;
}
