/**
 * The one place that picks a sink by the database URL's kind: callers say how many connections
 * they need and never branch on the dialect themselves (issue 19, item 1).
 */
import { parseDatabaseUrl } from '../../sql/connection.js';
import type { Sink } from './sink.js';
import { openMysqlSink } from './mysql.js';
import { openSqliteSink } from './sqlite.js';

export interface OpenSinkOptions {
  /** MariaDB pool size (openMysqlSink's default when unset); SQLite has one connection. */
  connections?: number;
  /** MariaDB: how long a transaction waits for its partition locks (MysqlSinkOptions.lockTimeoutS). */
  lockTimeoutS?: number;
}

export async function openSink(databaseUrl: string, o: OpenSinkOptions = {}): Promise<Sink> {
  const target = parseDatabaseUrl(databaseUrl);
  switch (target.kind) {
    case 'mysql': return openMysqlSink(databaseUrl, o.connections, { lockTimeoutS: o.lockTimeoutS });
    case 'sqlite': return openSqliteSink(databaseUrl);
  }
}
