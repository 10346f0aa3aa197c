/** PostgreSQL's database URLs: `postgres://login:pass@host:5432/db`, also `postgresql://` (libpq's two schemes). */

export interface PostgresTarget {
  kind: 'postgres';
  host: string;
  port: number;
  login: string;
  password: string;
  database: string;
}

/** The URL names a PostgreSQL server. */
export function isPostgresUrl(databaseUrl: string): boolean {
  return /^postgres(?:ql)?:\/\//iu.test(databaseUrl);
}

/**
 * Login, password and database are percent-decoded, as libpq does
 * (https://www.postgresql.org/docs/15/libpq-connect.html#LIBPQ-CONNSTRING), so a password
 * holding `@` or `/` is written `%40`, `%2F`. Query options (sslmode…) come with TLS support.
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
  };
}
