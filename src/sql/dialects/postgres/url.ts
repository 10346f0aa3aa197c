/**
 * PostgreSQL's database URLs: `postgres://login:pass@host:5432/db`, also `postgresql://` (libpq's
 * two schemes), with TLS in libpq's words: `?sslmode=verify-full&sslrootcert=/path/ca.pem`.
 */
import { queryOptions, tlsFiles, type DbTls, type TlsVerify } from '../tls.js';

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
const MODES: Record<string, TlsVerify | null> = { disable: null, require: 'none', 'verify-ca': 'chain', 'verify-full': 'full' };
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
    tls: postgresTls(queryOptions(url, OPTIONS, EXAMPLE)),
  };
}

/**
 * libpq's `sslmode` (https://www.postgresql.org/docs/15/libpq-ssl.html#LIBPQ-SSL-PROTECTION):
 * disable, require, verify-ca, verify-full; `require` with `sslrootcert` checks the chain, as in
 * libpq. With no `sslmode`, `ssl=true` or a root certificate alone mean verify-full (pgJDBC's
 * `ssl=true` too): verification on unless turned off. `allow` and `prefer` are refused: they fall
 * back to (or start with) an unencrypted connection without a word. `sslrootcert=system` is
 * Node's default CAs, as in libpq 16.
 */
function postgresTls(o: Map<string, string>): DbTls | null {
  const mode = o.get('sslmode');
  const ssl = o.get('ssl');
  if (mode !== undefined && ssl !== undefined) throw new Error('database URL: give sslmode or ssl, not both');
  if (ssl !== undefined && ssl !== 'true' && ssl !== 'false') throw new Error(`database URL: ssl must be true or false, not ${JSON.stringify(ssl)}`);
  const root = o.get('sslrootcert');
  const files = { ca: root === 'system' ? undefined : root, cert: o.get('sslcert'), key: o.get('sslkey') };
  const anyFile = root !== undefined || files.cert !== undefined || files.key !== undefined;
  let verify: TlsVerify | null;
  if (mode !== undefined) {
    if (mode === 'allow' || mode === 'prefer') throw new Error(`database URL: sslmode ${mode} is not supported (it may connect without TLS silently); use require, verify-ca or verify-full, or disable`);
    if (!(mode in MODES)) throw new Error(`database URL: sslmode ${JSON.stringify(mode)} is not one of disable, require, verify-ca, verify-full`);
    verify = MODES[mode] ?? null;
    if (verify === 'none' && root !== undefined) verify = 'chain';
  } else {
    verify = ssl === 'true' || (ssl === undefined && anyFile) ? 'full' : null;
  }
  if (verify === null) {
    if (anyFile) throw new Error('database URL: sslrootcert, sslcert and sslkey need TLS, but sslmode is disable (or ssl=false)');
    return null;
  }
  return tlsFiles(verify, files.ca, files.cert, files.key, { cert: 'sslcert', key: 'sslkey' });
}
