/**
 * Real services for integration tests. With CI=true a missing service FAILS the test (never a
 * skip); on a developer machine the suite is skipped with a note.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { parseDatabaseUrl } from '../../src/sql/connection.js';

export const CI = process.env.CI === 'true';
export const DATABASE_URL = process.env.DATABASE_URL;
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS;
export const POSTGRES_URL = process.env.POSTGRES_URL;

/** True when the suite must be skipped (not in CI, service not configured). */
export function skipWithout(...names: Array<'DATABASE_URL' | 'KAFKA_BROKERS' | 'POSTGRES_URL'>): boolean {
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
 * UTF8, so the server's default template cannot change what the test sees.
 */
export async function freshPostgresDatabase(prefix = 'sc_t'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
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
  await admin(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`);
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

/** Start the local services again the way the project does (`scripts/services.sh up`, idempotent). */
export async function startServices(): Promise<void> {
  const script = new URL('../../scripts/services.sh', import.meta.url).pathname;
  await new Promise<void>((resolve, reject) => {
    execFile('bash', [script, 'up'], { timeout: 180_000 }, (err, _out, stderr) => (err ? reject(new Error(`services.sh up failed: ${stderr}`)) : resolve()));
  });
}

/** One statement on its own connection: the rows of a SELECT. */
export async function queryDb(url: string, sql: string, params: unknown[] = []): Promise<Array<Record<string, unknown>>> {
  const c = await mysql.createConnection({ uri: url });
  try {
    return (await c.query(sql, params))[0] as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}
