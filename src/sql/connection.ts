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
