/**
 * Connections to PostgreSQL: the node-postgres options every connection of the engine uses (the
 * sink's pool, runtime/sinks/postgres.ts, and knex's for `ddl --apply`, migrations, introspection
 * and `status`), so values read back the same way through both (values.ts).
 */
import { readFileSync } from 'node:fs';
import knexFactory from 'knex';
import type { Knex } from 'knex';
import pg from 'pg';
// Not MariaDB's own: the login option is named alike in node-postgres, and the message alike too.
import { credentials, KNEX_LOG, namingServer } from '../server.js';
import { nodeTlsOptions } from '../tls.js';
import { numberPlaceholders } from './placeholders.js';
import type { PostgresTarget } from './url.js';
import { TEXT_PARSERS } from './values.js';

/** node-postgres' per-client type parsers: ours for the types values.ts names, the driver's for the rest. */
const TYPES = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    const own = format === 'binary' ? undefined : TEXT_PARSERS.get(oid);
    return own ?? (pg.types.getTypeParser(oid, format ?? 'text') as (value: string) => unknown);
  },
};

/** The options of a pg Client or Pool for the target (the login named as node-postgres names it). */
export function postgresClientConfig(target: PostgresTarget): Record<string, unknown> {
  return {
    host: target.host,
    port: target.port,
    ...credentials(target),
    database: target.database,
    types: TYPES,
    connectionTimeoutMillis: 5000,
    // UTC: timestamps have no zone and the engine writes UTC; ISO: the text values.ts parses.
    // Set at connection start (a startup parameter), so no statement runs before them.
    options: '-c TimeZone=UTC -c DateStyle=ISO,YMD',
    application_name: 'sc-project',
    // false, not absent: node-postgres would otherwise read PGSSLMODE from the environment, and the URL is the one truth.
    ssl: target.tls === null ? false : nodeTlsOptions(target.tls, (path) => readFileSync(path), { ca: 'sslrootcert', cert: 'sslcert', key: 'sslkey' }),
  };
}

/** Opens a knex instance on the server. The caller owns it and must `destroy()` it. */
export function openPostgresKnex(target: PostgresTarget): Knex {
  const k = knexFactory({ client: 'pg', log: KNEX_LOG, connection: postgresClientConfig(target) as Knex.PgConnectionConfig });
  // knex numbers every `?` of a statement, also inside a literal (a DDL default 'new?' would be
  // stored as 'new$1'); the engine's own numbering skips literals and quoted names.
  (k.client as { positionBindings(sql: string): string }).positionBindings = numberPlaceholders;
  // A refused connection names the server and login (never the password), as MariaDB's does.
  return namingServer(k, target);
}
