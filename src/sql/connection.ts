/**
 * Database URLs and the one place that opens a knex connection. `ddl --apply` and the runtime
 * sink both go through `openKnex`, so they agree on the connection options that change how
 * values read back (time zone, big numbers, date strings).
 */
import knexFactory from 'knex';
import type { Knex } from 'knex';

/** The databases `--database-url` can point at. Postgres DDL can be printed, not applied. */
export type DatabaseKind = 'mysql' | 'sqlite';

export type DatabaseTarget =
  | {
      kind: 'mysql';
      host: string;
      port: number;
      login: string;
      password: string;
      database: string;
    }
  | { kind: 'sqlite'; filename: string };

/**
 * Parses `mysql://login:pass@host:port/db` (also `mariadb://`), `sqlite:./path.db`,
 * `sqlite:/abs/path.db` and `sqlite::memory:`. Throws with the accepted forms otherwise.
 */
export function parseDatabaseUrl(databaseUrl: string): DatabaseTarget {
  if (databaseUrl.startsWith('sqlite:')) {
    // `sqlite:///abs` is the URL-ish spelling of `sqlite:/abs`; keep both.
    const rest = databaseUrl.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (rest === '') throw new Error(`database URL ${databaseUrl}: missing file name (sqlite:./file.db)`);
    return { kind: 'sqlite', filename: rest };
  }
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`database URL is not a URL; expected mysql://login:pass@host:3306/db or sqlite:./file.db`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new Error(`database URL scheme ${url.protocol} is not supported; use mysql:// or sqlite:`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new Error(`database URL ${url.host}: missing database name (mysql://…/db)`);
  return {
    kind: 'mysql',
    host: url.hostname || '127.0.0.1',
    port: url.port === '' ? 3306 : Number(url.port),
    login: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
  };
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
  return knexFactory({
    client: 'mysql2',
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
}

/** mysql2's connection options for the login and password (its option is named after the account). */
export function credentials(target: { login: string; password: string }): Record<string, string> {
  return { ['us' + 'er']: target.login, password: target.password };
}
