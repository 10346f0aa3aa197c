/**
 * The local databases' TLS-only login (scripts/services.sh: `sc_tls`, admitted by MariaDB with
 * REQUIRE SSL and by PostgreSQL on hostssl only, both servers presenting the run dir's test CA's
 * certificate). As for every service: in CI a missing variable fails the suite; elsewhere it skips.
 */
import { CI } from './services.js';

const NAMES = ['DATABASE_TLS_URL', 'POSTGRES_TLS_URL'] as const;

export const SECURE_DB = Object.fromEntries(NAMES.map((n) => [n, process.env[n] ?? ''])) as Record<(typeof NAMES)[number], string>;

export function skipWithoutSecureDatabases(): boolean {
  const missing = NAMES.filter((n) => !process.env[n]);
  if (missing.length === 0) return false;
  if (CI) throw new Error(`${missing.join(', ')} not set: CI must run the integration tests against real services (scripts/services.sh up)`);
  return true;
}

/** The TLS URL pointed at another database of the same server, its TLS options kept. */
export function onDatabase(tlsUrl: string, database: string): string {
  const u = new URL(tlsUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

/** The same URL with its query options replaced (none: plaintext). */
export function withOptions(url: string, options: Record<string, string>): string {
  const u = new URL(url);
  u.search = new URLSearchParams(options).toString();
  return u.toString();
}
