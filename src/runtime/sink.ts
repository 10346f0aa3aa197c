/**
 * The database side of the runtime: one transaction per call, for MySQL/MariaDB (mysql2 pool)
 * and SQLite (better-sqlite3). Both run the same folded statements and engine statements.
 */
import type { ChangeBuilder, Statement } from '../sql/statement.js';
import { engineSql, type EngineSql, type SqlDialect } from '../sql/engine-sql.js';
import { mysqlChanges } from '../sql/mysql/changes.js';
import { sqliteChanges } from '../sql/sqlite/changes.js';

export interface Tx {
  /** Run a statement; resolves to the number of rows it changed. */
  exec(stmt: Statement): Promise<number>;
  query(stmt: Statement): Promise<Array<Record<string, unknown>>>;
}

export interface Sink {
  dialect: SqlDialect;
  changes: ChangeBuilder;
  engine: EngineSql;
  /** The database returns the rows an INSERT added (MariaDB 10.5+, SQLite): claims take one statement. */
  returning: boolean;
  /**
   * Largest statement the database accepts (MariaDB's max_allowed_packet, less room for the SQL
   * around the values); undefined when there is no such limit worth splitting for (SQLite).
   */
  maxStatementBytes?: number;
  /** Run fn in one transaction: commit when it resolves, roll back when it throws. */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function sinkParts(dialect: SqlDialect): Pick<Sink, 'dialect' | 'changes' | 'engine'> {
  return { dialect, changes: dialect === 'mysql' ? mysqlChanges : sqliteChanges, engine: engineSql(dialect) };
}
