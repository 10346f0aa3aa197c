/**
 * Real services for integration tests. With CI=true a missing service FAILS the test (never a
 * skip); on a developer machine the suite is skipped with a note.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/sql/connection.js';
import { OID, TEXT_PARSERS } from '../../src/sql/dialects/postgres/values.js';

export const CI = process.env.CI === 'true';
export const DATABASE_URL = process.env.DATABASE_URL;
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS;
export const POSTGRES_URL = process.env.POSTGRES_URL;

/** True when the suite must be skipped (not in CI, service not configured). */
export function skipWithout(...names: Array<'DATABASE_URL' | 'KAFKA_BROKERS' | 'POSTGRES_URL' | 'SCHEMA_REGISTRY_URL'>): boolean {
  const missing = names.filter((n) => !process.env[n]);
  if (missing.length === 0) return false;
  if (CI) throw new Error(`${missing.join(' and ')} not set: CI must run the integration tests against real services (scripts/services.sh up)`);
  return true;
}

/** A fresh MariaDB database for one test; returns its URL and a drop function. */
export async function freshDatabase(prefix = 'sc_t'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  if (!DATABASE_URL) throw new Error('DATABASE_URL not set');
  const target = parseDatabaseUrl(DATABASE_URL);
  if (target.kind !== 'mysql') throw new Error('DATABASE_URL must be a mysql:// URL');
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = await mysql.createConnection({ host: target.host, port: target.port, user: target.login, password: target.password });
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const url = `mysql://${encodeURIComponent(target.login)}:${encodeURIComponent(target.password)}@${target.host}:${target.port}/${name}`;
  return {
    url,
    name,
    drop: async () => {
      const c = await mysql.createConnection({ host: target.host, port: target.port, user: target.login, password: target.password });
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

/**
 * A fresh PostgreSQL database for one test (POSTGRES_URL's role must have CREATEDB, as
 * scripts/services.sh makes it); returns its URL and a drop function. Created from template0 with
 * UTF8, so the server's default template cannot change what the test sees; with `template`, a
 * copy of that database (which must have no open connection).
 */
export async function freshPostgresDatabase(prefix = 'sc_t', template = 'template0'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  if (!POSTGRES_URL) throw new Error('POSTGRES_URL not set: run eval "$(bash scripts/services.sh env)"');
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string): Promise<void> => {
    const c = new pg.Client({ connectionString: POSTGRES_URL });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE "${name}" TEMPLATE "${template}" ENCODING 'UTF8'`);
  const u = new URL(POSTGRES_URL);
  u.pathname = `/${name}`;
  // WITH (FORCE): a test's pool may still hold a connection when it drops the database.
  return { url: u.toString(), name, drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Whether the local MariaDB answers (root over the socket, as scripts/services.sh checks). */
export async function mariaDbAnswers(): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('mariadb-admin', ['--connect-timeout=2', 'ping'], { timeout: 10_000 }, (err) => resolve(err === null));
  });
}

/** Shut the local MariaDB down (root over the socket); resolves when it has stopped answering. */
export async function stopMariaDb(): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile('mariadb-admin', ['-uroot', 'shutdown'], { timeout: 60_000 }, (err, _out, stderr) => (err ? reject(new Error(`mariadb-admin shutdown: ${stderr || String(err)}`)) : resolve()));
  });
  for (let i = 0; i < 60 && (await mariaDbAnswers()); i++) await new Promise((r) => setTimeout(r, 500));
}

/** Whether the PostgreSQL of POSTGRES_URL accepts a connection (2 s at most). */
export async function postgresAnswers(): Promise<boolean> {
  if (!POSTGRES_URL) return false;
  const c = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  c.on('error', () => undefined);
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/**
 * Stop the local PostgreSQL only, the way scripts/services.sh's down does it for its cluster
 * (pg_ctl stop -m fast as the postgres user, on $SC_RUN_DIR/postgres/data); resolves when it has
 * stopped answering. MariaDB and Kafka keep running.
 */
export async function stopPostgres(): Promise<void> {
  const data = `${process.env.SC_RUN_DIR ?? '/tmp/sc-project-services'}/postgres/data`;
  const script = `bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)" && runuser -u postgres -- "$bin/pg_ctl" -D "${data}" -m fast -w -t 60 stop`;
  await new Promise<void>((resolve, reject) => {
    execFile('bash', ['-c', script], { timeout: 90_000 }, (err, _out, stderr) => (err ? reject(new Error(`pg_ctl stop: ${stderr || String(err)}`)) : resolve()));
  });
  for (let i = 0; i < 60 && (await postgresAnswers()); i++) await new Promise((r) => setTimeout(r, 500));
}

/** Start the local services again the way the project does (`scripts/services.sh up`, idempotent). */
export async function startServices(): Promise<void> {
  const script = new URL('../../scripts/services.sh', import.meta.url).pathname;
  await new Promise<void>((resolve, reject) => {
    execFile('bash', [script, 'up'], { timeout: 180_000 }, (err, _out, stderr) => (err ? reject(new Error(`services.sh up failed: ${stderr}`)) : resolve()));
  });
}

/**
 * One statement on its own connection: the rows of a SELECT. Written as for MariaDB (backticks,
 * `?`); on PostgreSQL the backticks become double quotes and each `?` its `$n` (test SQL has no
 * `?` or backtick inside a literal). Values read back as mysql2 gives them with dateStrings: a
 * bigint (and a count) as a number, a datetime as 'YYYY-MM-DD HH:MM:SS.mmm', JSON as its text.
 */
export async function queryDb(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  if (parseDatabaseUrl(url).kind === 'postgres') {
    let n = 0;
    const c = new pg.Client({ connectionString: url, types: { getTypeParser: pgTypeParser } });
    await c.connect();
    try {
      return (await c.query(sql.replaceAll('`', '"').replace(/\?/g, () => `$${++n}`), params)).rows as Array<Record<string, unknown>>;
    } finally {
      await c.end();
    }
  }
  const c = await mysql.createConnection({ uri: url });
  try {
    return (await c.query(sql, params))[0] as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}

/** The engine's own text parsers (sql/dialects/postgres/values.ts), but a bigint as a number, as mysql2 gives it. */
function pgTypeParser(oid: number, format?: string): (text: string) => unknown {
  if (oid === OID.int8) return Number;
  return TEXT_PARSERS.get(oid) ?? (pg.types.getTypeParser(oid, format as 'text') as (text: string) => unknown);
}

/** A fresh database on one server, as freshDatabase and freshPostgresDatabase give it. */
export type FreshDb = Awaited<ReturnType<typeof freshDatabase>>;

/** A server database the integration suite runs on: its name for titles and how to get a fresh database. */
export interface ServerDatabase {
  name: 'MariaDB' | 'PostgreSQL';
  kind: 'mysql' | 'postgres';
  fresh(prefix?: string): Promise<FreshDb>;
  /** A fresh database holding a copy of every table of `from` (a backup restored elsewhere). */
  clone(from: FreshDb, prefix?: string): Promise<FreshDb>;
}

const SERVERS: ReadonlyArray<ServerDatabase & { env: 'DATABASE_URL' | 'POSTGRES_URL' }> = [
  { name: 'MariaDB', kind: 'mysql', env: 'DATABASE_URL', fresh: (prefix) => freshDatabase(prefix), clone: cloneMariaDb },
  // A template copy: the whole database as it is, which the source must not be connected to.
  { name: 'PostgreSQL', kind: 'postgres', env: 'POSTGRES_URL', fresh: (prefix) => freshPostgresDatabase(prefix), clone: (from, prefix) => freshPostgresDatabase(prefix, from.name) },
];

async function cloneMariaDb(from: FreshDb, prefix?: string): Promise<FreshDb> {
  const to = await freshDatabase(prefix);
  const c = await mysql.createConnection(from.url);
  try {
    const [rows] = (await c.query('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE()')) as unknown as [Array<{ t: string }>];
    for (const { t } of rows) {
      await c.query(`CREATE TABLE \`${to.name}\`.\`${t}\` LIKE \`${from.name}\`.\`${t}\``);
      await c.query(`INSERT INTO \`${to.name}\`.\`${t}\` SELECT * FROM \`${from.name}\`.\`${t}\``);
    }
  } finally {
    await c.end();
  }
  return to;
}

/**
 * The server databases configured in the environment (DATABASE_URL for MariaDB, POSTGRES_URL for
 * PostgreSQL), for `describe.each`. In CI both must be set: a missing one throws, so the file
 * FAILS instead of quietly testing one server. On a developer machine the missing ones are left
 * out (and a file whose list is empty skips, see eachServer).
 */
export function serverDatabases(): ServerDatabase[] {
  const missing = SERVERS.filter((s) => !process.env[s.env]);
  if (CI && missing.length > 0) throw new Error(`${missing.map((s) => s.env).join(' and ')} not set: CI runs the integration tests on every server database (scripts/services.sh up)`);
  return SERVERS.filter((s) => process.env[s.env]).map(({ name, kind, fresh, clone }) => ({ name, kind, fresh, clone }));
}

/**
 * The servers to parameterise a describe block with, and whether to skip it: skipped (off CI
 * only) when `needs` is missing or no server is configured. The list is never empty, because
 * vitest fails a file whose describe.each has no rows.
 */
export function eachServer(...needs: Array<'KAFKA_BROKERS' | 'SCHEMA_REGISTRY_URL'>): { skip: boolean; servers: ServerDatabase[] } {
  const servers = serverDatabases();
  const skip = skipWithout(...needs) || servers.length === 0;
  return { skip, servers: servers.length > 0 ? servers : [SERVERS[0] as ServerDatabase] };
}
