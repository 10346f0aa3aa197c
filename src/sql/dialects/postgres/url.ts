/**
 * PostgreSQL's database URLs: `postgres://login:pass@host:5432/db`, also `postgresql://` (libpq's
 * two schemes), with TLS in libpq's words: `?sslmode=verify-full&sslrootcert=/path/ca.pem`.
 */
import { queryOptions, tlsFromOptions, type DbTls, type TlsWords } from '../tls.js';

export interface PostgresTarget {
  kind: 'postgres';
  host: string;
  port: number;
  login: string;
  password: string;
  database: string;
  /** null: no TLS. */
  tls: DbTls | null;
}

const OPTIONS = ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey'] as const;
const EXAMPLE = '?sslmode=verify-full&sslrootcert=/path/ca.pem';

/** The URL names a PostgreSQL server. */
export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(?:ql)?:\/\//iu.test(databaseUrl);
}

/**
 * Login, password and database are percent-decoded, as libpq does
 * (https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING), so a password
 * holding `@` or `/` is written `%40`, `%2F`. Query options: TLS only (postgresTls); others are refused.
 */
export function parsePostgresUrl(databaseUrl: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error('database URL is not a URL; expected postgres://login:pass@host:5432/db');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`database URL scheme ${url.protocol} is not PostgreSQL's; use postgres:// or postgresql://`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//u, ''));
  if (database === '') throw new Error(`database URL ${url.host}: missing database name (postgres://…/db)`);
  return {
    kind: 'postgres',
    host: url.hostname === '' ? '127.0.0.1' : url.hostname.replace(/^\[(.*)\]$/u, '$1'),
    port: url.port === '' ? 5432 : Number(url.port),
    login: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
    tls: tlsFromOptions(queryOptions(url, OPTIONS, EXAMPLE), WORDS),
  };
}

/**
 * libpq's `sslmode` (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION):
 * disable, require, verify-ca, verify-full; `require` with `sslrootcert` checks the chain, as in
 * libpq; `ssl=true` (pgJDBC's too) means verify-full. `allow` and `prefer` are refused: they fall
 * back to (or start with) an unencrypted connection without a word. `sslrootcert=system` is
 * Node's default CAs, as in libpq 16.
 */
const WORDS: TlsWords = {
  mode: 'sslmode', upperCase: false, refused: ['allow', 'prefer'], ca: 'sslrootcert', cert: 'sslcert', key: 'sslkey', systemCa: 'system', caUpgradesEncryptOnly: true,
  modes: { disable: null, require: 'none', 'verify-ca': 'chain', 'verify-full': 'full' },
};
