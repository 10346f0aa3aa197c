/**
 * What differs between the databases the engine writes to. Each database is one folder of
 * sql/dialects/ implementing this interface (kysely's src/dialect/<db>/), so adding one is a new
 * folder rather than new `=== 'mysql'` branches. The interface grows one part at a time as the
 * statements move into the folders (issue 19).
 */

/** The databases the runtime writes to. */
export type SqlDialect = 'mysql' | 'sqlite';

/**
 * A database's own syntax. The members are function-valued properties, not methods, so they can
 * be passed around unbound (`columns.map(d.quote)`).
 */
export interface Dialect {
  readonly name: SqlDialect;
  /** The identifier quoted, its embedded quote characters doubled: any name is safe to splice. */
  readonly quote: (identifier: string) => string;
  /** DROP INDEX: MariaDB names the table, SQLite's index names are per database. */
  readonly dropIndex: (index: string, table: string) => string;
}
