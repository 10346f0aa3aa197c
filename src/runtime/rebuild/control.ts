/**
 * A rebuild's control connection: its state rows, the swap's locks and renames. With named locks
 * (MariaDB) a dedicated connection (GET_LOCK locks belong to a session, and RENAME TABLE must run
 * on the one that holds them; a killed process's session drops them); without them (SQLite) the
 * sink's one connection, whose transactions already take turns with the shadow's.
 */
import mysql from 'mysql2/promise';
import { parseDatabaseUrl, type DatabaseKind } from '../../sql/connection.js';
import { mysqlConnectionOptions } from '../../sql/dialects/mysql/connect.js';
import { dialectOf } from '../../sql/dialects/index.js';
import { parseMysqlUrl } from '../../sql/dialects/mysql/url.js';
import { engineSql, type EngineSql, type SqlDialect } from '../../sql/engine-sql.js';
import { rebuildSql, type RebuildSql } from '../../sql/rebuild-sql.js';
import type { Statement } from '../../sql/statement.js';
import type { Sink, Tx } from '../sinks/sink.js';

export interface Control {
  dialect: SqlDialect;
  sql: RebuildSql;
  engine: EngineSql;
  query(st: Statement): Promise<Array<Record<string, unknown>>>;
  exec(st: Statement): Promise<number>;
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** MariaDB: GET_LOCK with a timeout in seconds (true when granted). SQLite: always true. */
  lock(name: string, timeoutS: number): Promise<boolean>;
  unlock(names: string[]): Promise<void>;
  close(): Promise<void>;
}

/** The databases with named locks whose control session this module can open (a mysql2 connection). */
const SESSION_CONTROLS: ReadonlySet<DatabaseKind> = new Set<DatabaseKind>(['mysql']);

/**
 * Why a rebuild cannot run on this database, before anything is created there; undefined when it
 * can. A database with named locks needs a control session of its own (PostgreSQL's is not built yet).
 */
export function controlProblem(databaseUrl: string): string | undefined {
  const kind = parseDatabaseUrl(databaseUrl).kind;
  if (!dialectOf(kind).namedLocks || SESSION_CONTROLS.has(kind)) return undefined;
  return `rebuild and cleanup do not run on ${kind} databases yet (the swap's control session is not built for it); nothing was changed`;
}

export async function openControl(databaseUrl: string, sink: Sink): Promise<Control> {
  const problem = controlProblem(databaseUrl);
  if (problem !== undefined) throw new Error(problem);
  if (!dialectOf(sink.dialect).namedLocks) {
    return {
      dialect: sink.dialect, sql: rebuildSql(sink.dialect), engine: engineSql(sink.dialect),
      query: (st) => sink.transaction((tx) => tx.query(st)),
      exec: (st) => sink.transaction((tx) => tx.exec(st)),
      transaction: (fn) => sink.transaction(fn),
      lock: async () => true,
      unlock: async () => undefined,
      close: async () => undefined,
    };
  }
  // Named locks are MariaDB's GET_LOCK: its session is a mysql2 connection.
  const target = parseMysqlUrl(databaseUrl);
  const conn = await mysql.createConnection({
    ...mysqlConnectionOptions(target),
    charset: 'utf8mb4', timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 5000,
  });
  await conn.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO', time_zone = '+00:00'");
  const tx: Tx = {
    exec: async (s) => Number(((await conn.query(s.sql, s.params))[0] as { affectedRows?: number }).affectedRows ?? 0),
    query: async (s) => (await conn.query(s.sql, s.params))[0] as Array<Record<string, unknown>>,
  };
  const engine = engineSql(target.kind);
  // One statement at a time on the connection: a refresh must not run inside the swap's transaction.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    dialect: target.kind, sql: rebuildSql(target.kind), engine,
    query: (st) => serial(() => tx.query(st)),
    exec: (st) => serial(() => tx.exec(st)),
    transaction: (fn) => serial(async () => {
      await conn.query('START TRANSACTION');
      try {
        const out = await fn(tx);
        await conn.query('COMMIT');
        return out;
      } catch (e) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }),
    lock: (name, timeoutS) => serial(async () => Number((await tx.query(engine.takeLocks([name], timeoutS)))[0]?.l0) === 1),
    unlock: (names) => serial(async () => {
      if (names.length > 0) await tx.query(engine.releaseLocks(names));
    }),
    close: async () => { await queue; await conn.end().catch(() => conn.destroy()); },
  };
}
