/**
 * Database URLs and the one place that opens a knex connection. `ddl --apply` and the runtime
 * sink both go through `openKnex`, so they agree on the connection options that change how
 * values read back (time zone, big numbers, date strings).
 */
import knexFactory from 'knex';
import type { Knex } from 'knex';
import { parseMysqlUrl, type MysqlTarget } from './dialects/mysql/url.js';
import { isSqliteUrl, parseSqliteUrl, type SqliteTarget } from './dialects/sqlite/url.js';

/** The databases `--database-url` can point at. Postgres DDL can be printed, not applied. */
export type DatabaseKind = DatabaseTarget['kind'];

export type DatabaseTarget = MysqlTarget | SqliteTarget;
export { isSqliteUrl };

/**
 * The one switch on a URL's form: a SQLite file's URL, else a server's, whose parser throws
 * with the forms every database accepts. Each form is parsed in its dialect's folder.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  return isSqliteUrl(databaseUrl) ? parseSqliteUrl(databaseUrl) : parseMysqlUrl(databaseUrl);
}

/** Opens a knex instance for the URL. The caller owns it and must `destroy()` it. */
export function openKnex(databaseUrl: string): Knex {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind === 'sqlite') {
    // knex keeps a pool of one connection for SQLite, so `:memory:` stays one database.
    return knexFactory({
      client: 'better-sqlite3',
      connection: { filename: target.filename },
      useNullAsDefault: true,
    });
  }
  const k = knexFactory({
    client: 'mysql2',
    log: KNEX_LOG,
    connection: {
      host: target.host,
      port: target.port,
      ...credentials(target),
      password: target.password,
      database: target.database,
      // utf8mb4: the connection charset must match the tables or 4-byte characters are
      // rejected or mangled (https://mariadb.com/kb/en/setting-character-sets-and-collations/).
      charset: 'utf8mb4',
      // DATETIME has no zone; the engine writes UTC, so the driver must not shift values.
      timezone: 'Z',
      // Return DATETIME as 'YYYY-MM-DD HH:MM:SS.mmm' text, the same form SQLite stores.
      dateStrings: true,
      // BIGINT/DECIMAL beyond 2^53 would lose digits as JS numbers; read them as strings.
      supportBigNumbers: true,
      bigNumberStrings: true,
    },
  });
  // A refused or failed connection says which server (never the password): mysql2's own message
  // (Access denied for 'sc'@'localhost') does not. The error keeps its code and errno, which
  // the runtime's retry rules read.
  const client = k.client as unknown as { acquireRawConnection(): Promise<unknown> };
  const acquire = client.acquireRawConnection.bind(client);
  client.acquireRawConnection = async () => {
    try {
      return await acquire();
    } catch (e) {
      throw atServer(e, target);
    }
  };
  return k;
}

/** The error with the server and login it was connecting to prefixed to its message. */
export function atServer(e: unknown, target: { host: string; port: number; login: string }): unknown {
  if (e instanceof Error && !e.message.startsWith('cannot connect to the database')) {
    e.message = `cannot connect to the database at ${target.host}:${target.port} (login ${target.login}): ${e.message}`;
  }
  return e;
}

/**
 * knex's own warnings. "Acquire connection error" repeats, with the driver's stack, an error the
 * caller receives and reports in one line: printed only at --log-level debug. Others keep their
 * first line.
 */
const KNEX_LOG = {
  warn: (message: unknown) => knexWarning(message),
  error: (message: unknown) => knexWarning(message),
  deprecate: (method: unknown, alternative: unknown) => knexWarning(`${String(method)} is deprecated, use ${String(alternative)}`),
  debug: () => undefined,
};

function knexWarning(message: unknown): void {
  const text = message instanceof Error ? message.message : String(message);
  const debug = process.env.SC_PROJECT_LOG_LEVEL === 'debug';
  if (!debug && text.startsWith('Acquire connection error')) return;
  process.stderr.write(`knex: ${debug ? text : (text.split('\n')[0] ?? '')}\n`);
}

/** mysql2's connection options for the login and password (its option is named after the account). */
export function credentials(target: { login: string; password: string }): Record<string, string> {
  return { ['us' + 'er']: target.login, password: target.password };
}
