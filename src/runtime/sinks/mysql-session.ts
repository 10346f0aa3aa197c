/**
 * MariaDB's session for a rebuild's swap (sinks/session.ts): a mysql2 connection of its own,
 * because GET_LOCK locks belong to a session and RENAME TABLE must run on the one that holds them.
 */
import mysql from 'mysql2/promise';
import { mysqlConnectionOptions } from '../../sql/dialects/mysql/connect.js';
import { parseMysqlUrl } from '../../sql/dialects/mysql/url.js';
import { engineSql } from '../../sql/engine-sql.js';
import { serialized, sessionStatements, type Session } from './session.js';
import type { Tx } from './sink.js';

export async function openMysqlSession(databaseUrl: string): Promise<Session> {
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
  const serial = serialized();
  return {
    ...sessionStatements(tx, (sql) => conn.query(sql), 'START TRANSACTION', serial),
    lock: (name, timeoutS) => serial(async () => Number((await tx.query(engine.takeLocks([name], timeoutS)))[0]?.l0) === 1),
    unlock: (names) => serial(async () => {
      if (names.length > 0) await tx.query(engine.releaseLocks(names));
    }),
    close: async () => { await serial(async () => undefined); await conn.end().catch(() => conn.destroy()); },
  };
}
