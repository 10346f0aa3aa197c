/**
 * A knex connection to MariaDB, for `ddl --apply`, migrations, introspection and `status`, with
 * the options that change how values read back (time zone, big numbers, date strings) the same
 * as the sink's (runtime/sinks/mysql.ts).
 */
import knexFactory from 'knex';
import type { Knex } from 'knex';
import type { MysqlTarget } from './url.js';

/** Opens a knex instance on the server. The caller owns it and must `destroy()` it. */
export function openMysqlKnex(target: MysqlTarget): Knex {
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
 * knex's own warnings (MariaDB's and PostgreSQL's connections). "Acquire connection error" repeats, with the driver's stack, an error the
 * caller receives and reports in one line: printed only at --log-level debug. Others keep their
 * first line.
 */
export const KNEX_LOG = {
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
