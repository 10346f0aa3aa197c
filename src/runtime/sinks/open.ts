/**
 * The one place that picks a sink by the database URL's kind: callers say how many connections
 * they need and never branch on the dialect themselves (issue 19, item 1). A lookup by kind, so a
 * new database is one entry, not another branch.
 */
import { parseDatabaseUrl, type DatabaseKind } from '../../sql/connection.js';
import type { Session } from './session.js';
import type { Sink } from './sink.js';
import { openMysqlSession } from './mysql-session.js';
import { openMysqlSink } from './mysql.js';
import { openPostgresSession } from './postgres-session.js';
import { openPostgresSink } from './postgres.js';
import { openSqliteSink } from './sqlite.js';

export interface OpenSinkOptions {
  /** Server pool size (each sink's default when unset); SQLite has one connection. */
  connections?: number;
  /** Servers: how long a transaction waits for its partition locks (MysqlSinkOptions.lockTimeoutS). */
  lockTimeoutS?: number;
}

const OPENERS: Readonly<Record<DatabaseKind, (databaseUrl: string, o: OpenSinkOptions) => Promise<Sink>>> = {
  mysql: (url, o) => openMysqlSink(url, o.connections, { lockTimeoutS: o.lockTimeoutS }),
  postgres: (url, o) => openPostgresSink(url, o.connections, { lockTimeoutS: o.lockTimeoutS }),
  sqlite: async (url) => openSqliteSink(url),
};

export async function openSink(databaseUrl: string, o: OpenSinkOptions = {}): Promise<Sink> {
  return OPENERS[parseDatabaseUrl(databaseUrl).kind](databaseUrl, o);
}

/** A session with named locks of its own (sinks/session.ts); undefined for a database without them (SQLite). */
const SESSIONS: Readonly<Record<DatabaseKind, ((databaseUrl: string) => Promise<Session>) | undefined>> = {
  mysql: openMysqlSession,
  postgres: openPostgresSession,
  sqlite: undefined,
};

export async function openSession(databaseUrl: string): Promise<Session | undefined> {
  return SESSIONS[parseDatabaseUrl(databaseUrl).kind]?.(databaseUrl);
}
