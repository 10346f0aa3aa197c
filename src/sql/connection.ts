/**
 * Database URLs and the one place that opens a knex connection: the switch from a URL's form
 * (isSqliteUrl, isPostgresUrl, else MariaDB's, whose parser names every accepted form) to its
 * dialect's folder, which parses it (sql/dialects/<d>/url.ts) and connects (…/connect.ts, with
 * the options that change how values read back: time zone, big numbers, date strings).
 */
import type { Knex } from 'knex';
import { openMysqlKnex } from './dialects/mysql/connect.js';
import { parseMysqlUrl, type MysqlTarget } from './dialects/mysql/url.js';
import { openPostgresKnex } from './dialects/postgres/connect.js';
import { isPostgresUrl, parsePostgresUrl, type PostgresTarget } from './dialects/postgres/url.js';
import { openSqliteKnex } from './dialects/sqlite/connect.js';
import { isSqliteUrl, parseSqliteUrl, type SqliteTarget } from './dialects/sqlite/url.js';
import { describeTls } from './dialects/tls.js';

/** The databases `--database-url` can point at. */
export type DatabaseKind = DatabaseTarget['kind'];

export type DatabaseTarget = MysqlTarget | PostgresTarget | SqliteTarget;
export { isPostgresUrl, isSqliteUrl };
export { atServer, credentials } from './dialects/server.js';

/**
 * The one switch on a URL's form: a SQLite file's URL, else a server's, whose parser throws
 * with the forms every database accepts. Each form is parsed in its dialect's folder.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  if (isSqliteUrl(databaseUrl)) return parseSqliteUrl(databaseUrl);
  return isPostgresUrl(databaseUrl) ? parsePostgresUrl(databaseUrl) : parseMysqlUrl(databaseUrl);
}

/** How a server URL's connection is secured (runtime start-up line); a SQLite file has none to describe. */
export function databaseTls(databaseUrl: string): { description: string; warning?: string } | undefined {
  const target = parseDatabaseUrl(databaseUrl);
  return 'tls' in target ? describeTls(target.tls) : undefined;
}

/** Opens a knex instance for the URL. The caller owns it and must `destroy()` it. */
export function openKnex(databaseUrl: string): Knex {
  if (isSqliteUrl(databaseUrl)) return openSqliteKnex(parseSqliteUrl(databaseUrl));
  return isPostgresUrl(databaseUrl) ? openPostgresKnex(parsePostgresUrl(databaseUrl)) : openMysqlKnex(parseMysqlUrl(databaseUrl));
}
