/**
 * A rebuild's control connection: its state rows, the swap's locks and renames. With named locks
 * (MariaDB's GET_LOCK, PostgreSQL's session advisory locks) a dedicated session (sinks/session.ts:
 * the locks belong to it, the renames run on it, and a killed process's session drops them);
 * without them (SQLite) the sink's one connection, whose transactions already take turns with the
 * shadow's.
 */
import { dialectOf } from '../../sql/dialects/index.js';
import { engineSql, type EngineSql, type SqlDialect } from '../../sql/engine-sql.js';
import { rebuildSql, type RebuildSql } from '../../sql/rebuild-sql.js';
import type { Statement } from '../../sql/statement.js';
import { openSession } from '../sinks/open.js';
import type { Sink, Tx } from '../sinks/sink.js';

export interface Control {
  dialect: SqlDialect;
  sql: RebuildSql;
  engine: EngineSql;
  query(st: Statement): Promise<Array<Record<string, unknown>>>;
  exec(st: Statement): Promise<number>;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** A session lock with a timeout in seconds (true when granted). SQLite: always true. */
  lock(name: string, timeoutS: number): Promise<boolean>;
  unlock(names: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function openControl(databaseUrl: string, sink: Sink): Promise<Control> {
  const parts = { dialect: sink.dialect, sql: rebuildSql(sink.dialect), engine: engineSql(sink.dialect) };
  const session = dialectOf(sink.dialect).namedLocks ? await openSession(databaseUrl) : undefined;
  if (session === undefined) {
    return {
      ...parts,
      query: (st) => sink.transaction((tx) => tx.query(st)),
      exec: (st) => sink.transaction((tx) => tx.exec(st)),
      transaction: (fn) => sink.transaction(fn),
      lock: async () => true,
      unlock: async () => undefined,
      close: async () => undefined,
    };
  }
  return {
    ...parts,
    query: (st) => session.query(st),
    exec: (st) => session.exec(st),
    transaction: (fn) => session.transaction(fn),
    lock: (name, timeoutS) => session.lock(name, timeoutS),
    unlock: (names) => session.unlock(names),
    close: () => session.close(),
  };
}
