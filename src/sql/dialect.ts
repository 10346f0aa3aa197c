/**
 * What differs between the databases the engine writes to. Each database is one folder of
 * sql/dialects/ implementing this interface (kysely's src/dialect/<db>/), so adding one is a new
 * folder rather than new branches on the dialect's name. The interface grows one part at a time
 * as the statements move into the folders (issue 19).
 */
import type { Knex } from 'knex';
import type { ColumnDef } from '../compile/plan.js';
import type { ColumnType } from '../spec/types.js';
import type { LiveTable } from './live-schema.js';
import type { ChangeBuilder } from './statement.js';

/** The databases the runtime writes to. */
export type SqlDialect = 'mysql' | 'postgres' | 'sqlite';

/** The databases `sc-project ddl` prints a schema for: every one the runtime writes to. */
export type DdlDialect = SqlDialect;

/**
 * How a database's CREATE TABLE differs; sql/ddl.ts builds the rest with knex (as a string
 * builder), the same for all, so a new database states only these.
 */
export interface DdlSyntax {
  /** knex's client for this database: its identifier quoting and literal escaping, no connection. */
  readonly client: string;
  /** The column type of each spec type, lower case, as `ddl` prints it and apply.ts compares it. */
  readonly types: Readonly<Record<ColumnType, (c: ColumnDef) => string>>;
  /** A boolean default, as the column type stores it. */
  readonly booleanLiteral: (value: boolean) => string;
  /** The table's storage engine and character set, where the database has them. */
  readonly tableOptions?: { readonly engine: string; readonly charset: string; readonly collate: string };
  /** Key and unique string columns name the key collation (ddl.ts KEY_COLLATIONS). */
  readonly collatesKeys: boolean;
  /**
   * A key string column's type with its collation, where the collation is part of the type text
   * (PostgreSQL: knex's collate() is MySQL-only); without it, knex's collate() names `keyCollation`.
   */
  readonly keyType?: (type: string) => string;
  /** What the script's header says after the database's name: the servers it is written for. */
  readonly scriptTarget: string;
  /**
   * The primary key is a named constraint whose name is unique in the schema and stays with the
   * table through a rename (PostgreSQL's `<table>_pkey`): a rebuild's shadow table then names its
   * key after its generation (TableDef.indexBase), or a second rebuild's `<t>__next_pkey` would
   * clash with the first one's, now live. MariaDB's key is always PRIMARY; SQLite's has no name.
   */
  readonly namesPrimaryKey: boolean;
  /**
   * DDL is transactional (PostgreSQL, SQLite): a swap renames its tables in the transaction that
   * hands the positions over, so both happen or neither. MariaDB's RENAME TABLE commits on its
   * own (https://mariadb.com/kb/en/sql-statements-that-cause-an-implicit-commit/).
   */
  readonly transactionalDdl: boolean;
}

/**
 * What a database driver's errors mean to the engine. `classify` answers only for this driver's
 * own errors (their codes do not overlap: mysql2's numeric errno and ER_* codes, SQLite's SQLITE_*
 * codes, PostgreSQL's five-character SQLSTATEs on node-postgres' DatabaseError), so the
 * runtime can ask every dialect without knowing which one failed (runtime/commit/retry.ts).
 */
export interface DialectErrors {
  /** transient: the server or connection is unwell; data: a value of the batch is rejected; undefined: neither, or not this driver's. */
  readonly classify: (err: object) => 'transient' | 'data' | undefined;
  /** A primary or unique key already taken (an id claimed, a position inserted, concurrently). */
  readonly isDuplicateKey: (err: object) => boolean;
  /** A table that does not exist (yet): `status` before the first run reads it as empty. */
  readonly isMissingTable: (err: object) => boolean;
}

/**
 * A database's own syntax. The members are function-valued properties, not methods, so they can
 * be passed around unbound (`columns.map(d.quote)`).
 */
export interface Dialect {
  readonly name: SqlDialect;
  /** How this database's statements apply a group of folded row changes (sql/fold.ts). */
  readonly changes: ChangeBuilder;
  /** What its driver's errors mean: retry, dead-letter, or neither. */
  readonly errors: DialectErrors;
  /**
   * The database has named locks (GET_LOCK), which live transactions and a rebuild's swap take
   * per partition (runtime/rebuild/swap-lock.ts). Without them none are needed: SQLite's write
   * lock already makes its transactions take turns.
   */
  readonly namedLocks: boolean;
  /** The identifier quoted, its embedded quote characters doubled: any name is safe to splice. */
  readonly quote: (identifier: string) => string;
  /** DROP INDEX: MariaDB names the table, SQLite's index names are per database. */
  readonly dropIndex: (index: string, table: string) => string;
  /**
   * `INSERT INTO … VALUES …` made to skip the rows whose key exists. MariaDB's IGNORE also turns
   * other errors into warnings, so callers only use it for values known to fit their columns.
   */
  readonly insertIgnore: (insert: string) => string;
  /**
   * `INSERT INTO … VALUES …` made to keep the existing row of a duplicate `key`, without
   * IGNORE's downgrading of other errors: a value too long for its column still fails.
   */
  readonly insertOrKeep: (insert: string, key: string) => string;
  /**
   * `INSERT INTO … VALUES …` made to update the existing row of a duplicate `key` instead, with
   * `assignments` (`col = expr` texts; `excluded(col)` is the value the insert carried).
   */
  readonly upsert: (insert: string, key: readonly string[], assignments: readonly string[]) => string;
  /** In an upsert's assignments, the value the INSERT carried for `column`. */
  readonly excluded: (column: string) => string;
  /**
   * In an upsert's assignments, the value `column` of `table`'s stored row has. PostgreSQL
   * rejects the bare name as ambiguous beside EXCLUDED (42702), so it names the table.
   */
  readonly stored: (table: string, column: string) => string;
  /** The larger of two values (SQL expressions): positions only move forward. */
  readonly greatest: (a: string, b: string) => string;
  /**
   * A SELECT made a locking read where the database needs one to keep concurrent transactions
   * from reading the same rows; where transactions take turns anyway, the SELECT unchanged.
   */
  readonly lockingRead: (select: string) => string;
  /**
   * A SELECT that locks `count` names (its `?`s) until the transaction ends, where a locking read
   * cannot stand in for it: PostgreSQL's FOR UPDATE locks only rows that exist, so two transactions
   * checking the same absent key both find nothing (MariaDB's also takes gap locks; SQLite's
   * transactions take turns: undefined there). The caller passes the names sorted.
   */
  readonly lockNames: (count: number) => string | undefined;
  /** DELETE FROM `table` WHERE `where`, at most `limit` rows (a bounded batch of a prune). */
  readonly deleteLimited: (table: string, where: string, limit: number) => string;
  /**
   * A SELECT of one text: the `projection=fingerprint` pairs of sc_spec_fingerprints whose
   * projection is in `marks` (a list of placeholders), sorted by projection, comma-separated;
   * NULL when there are none. `locking` reads the latest committed rows, not the snapshot.
   */
  readonly selectFingerprintText: (marks: string, locking: boolean) => string;
  /** A SELECT of the `name` of each table of this database among those in `marks` (placeholders). */
  readonly selectTables: (marks: string) => string;
  /**
   * The statements renaming tables, each pair [from, to] in sequence, run in one transaction by
   * the rebuild's swap; as few as the database allows, so readers never find a table missing.
   */
  readonly renameTables: (pairs: ReadonlyArray<readonly [string, string]>) => string[];
  /** Every table of the connected database, by name, read from its catalogue (sql/introspect.ts). */
  readonly introspect: (db: Knex) => Promise<Map<string, LiveTable>>;
  /** The collation key string columns get on this server (ddl.ts KEY_COLLATIONS). */
  readonly keyCollation: (db: Knex) => Promise<string>;
  /** A key string column's collation is the engine's to check (MariaDB); SQLite compares bytes anyway. */
  readonly checksKeyCollation: boolean;
  /** ALTER TABLE can change an existing column; SQLite's can only add one. */
  readonly altersColumns: boolean;
  /** ALTER TABLE can add a column of the primary key. */
  readonly addsKeyColumns: boolean;
  /**
   * Index names are per table (MariaDB). Where they are per database, another table's index can
   * hold a name, and CREATE INDEX IF NOT EXISTS would silently do nothing.
   */
  readonly indexNamesPerTable: boolean;
}
