/**
 * A knex connection to MariaDB, for `ddl --apply`, migrations, introspection and `status`, with
 * the options that change how values read back (time zone, big numbers, date strings) the same
 * as the sink's (runtime/sinks/mysql.ts).
 */
import { readFileSync } from 'node:fs';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import { credentials, KNEX_LOG, namingServer } from '../server.js';
import { nodeTlsOptions, type NodeTlsOptions } from '../tls.js';
import type { MysqlTarget } from './url.js';

/** The server, login and TLS options of every MariaDB connection: the sink's pool, the rebuild's control session, knex's. */
export function mysqlConnectionOptions(target: MysqlTarget): { host: string; port: number; database: string; password: string; ssl?: NodeTlsOptions & { verifyIdentity: boolean } } & Record<string, unknown> {
  return {
    host: target.host,
    port: target.port,
    ...credentials(target),
    password: target.password,
    database: target.database,
    // mysql2 checks the host name only when asked (verifyIdentity), whatever checkServerIdentity says.
    ...(target.tls === null ? {} : { ssl: { ...nodeTlsOptions(target.tls, (path) => readFileSync(path), { ca: 'ssl-ca', cert: 'ssl-cert', key: 'ssl-key' }), verifyIdentity: target.tls.verify === 'full' } }),
  };
}

/** Opens a knex instance on the server. The caller owns it and must `destroy()` it. */
export function openMysqlKnex(target: MysqlTarget): Knex {
  const k = knexFactory({
    client: 'mysql2',
    log: KNEX_LOG,
    connection: {
      ...mysqlConnectionOptions(target),
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
  return namingServer(k, target);
}
