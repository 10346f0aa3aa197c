/**
 * Real services for integration tests. With CI=true a missing service FAILS the test (never a
 * skip); on a developer machine the suite is skipped with a note.
 */
import { randomBytes } from 'node:crypto';
import mysql from 'mysql2/promise';
import { parseDatabaseUrl } from '../../src/sql/connection.js';

export const CI = process.env.CI === 'true';
export const DATABASE_URL = process.env.DATABASE_URL;
export const KAFKA_BROKERS = process.env.KAFKA_BROKERS;

/** True when the suite must be skipped (not in CI, service not configured). */
export function skipWithout(...names: Array<'DATABASE_URL' | 'KAFKA_BROKERS'>): boolean {
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

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}
