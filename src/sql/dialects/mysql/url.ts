/**
 * MariaDB's database URLs: `mysql://login:pass@host:port/db`, also `mariadb://`, with TLS in the
 * MySQL/MariaDB clients' own option names: `?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/ca.pem`.
 */
import { queryOptions, tlsFiles, type DbTls, type TlsVerify } from '../tls.js';

export interface MysqlTarget {
  kind: 'mysql';
  host: string;
  port: number;
  login: string;
  password: string;
  database: string;
  /** null: no TLS. */
  tls: DbTls | null;
}

const OPTIONS = ['ssl-mode', 'ssl', 'ssl-ca', 'ssl-cert', 'ssl-key'] as const;
const MODES: Record<string, TlsVerify | null> = { DISABLED: null, REQUIRED: 'none', VERIFY_CA: 'chain', VERIFY_IDENTITY: 'full' };
const EXAMPLE = '?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/ca.pem';

/** Throws with the accepted forms (of every database: this is the URL parser's fallback). */
export function parseMysqlUrl(databaseUrl: string): MysqlTarget {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new Error(`database URL is not a URL; expected mysql://login:pass@host:3306/db, postgres://login:pass@host:5432/db or sqlite:./file.db`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') {
    throw new Error(`database URL scheme ${url.protocol} is not supported; use mysql://, postgres:// or sqlite:`);
  }
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (database === '') throw new Error(`database URL ${url.host}: missing database name (mysql://…/db)`);
  return {
    kind: 'mysql',
    host: url.hostname || '127.0.0.1',
    port: url.port === '' ? 3306 : Number(url.port),
    login: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
    database,
    tls: mysqlTls(queryOptions(url, OPTIONS, EXAMPLE)),
  };
}

/**
 * `ssl-mode` as the MySQL and MariaDB clients take it (https://mariadb.com/kb/en/securing-connections-for-client-and-server/):
 * DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY; `ssl=true` or a CA/certificate alone mean
 * VERIFY_IDENTITY (verification on unless turned off). PREFERRED is refused: it falls back to a
 * plaintext connection without a word.
 */
function mysqlTls(o: Map<string, string>): DbTls | null {
  const mode = o.get('ssl-mode');
  const ssl = o.get('ssl');
  if (mode !== undefined && ssl !== undefined) throw new Error('database URL: give ssl-mode or ssl, not both');
  if (ssl !== undefined && ssl !== 'true' && ssl !== 'false') throw new Error(`database URL: ssl must be true or false, not ${JSON.stringify(ssl)}`);
  const files = { ca: o.get('ssl-ca'), cert: o.get('ssl-cert'), key: o.get('ssl-key') };
  const anyFile = Object.values(files).some((f) => f !== undefined);
  let verify: TlsVerify | null;
  if (mode !== undefined) {
    const m = mode.toUpperCase();
    if (m === 'PREFERRED') throw new Error('database URL: ssl-mode PREFERRED is not supported (it falls back to an unencrypted connection silently); use REQUIRED, VERIFY_CA or VERIFY_IDENTITY, or DISABLED');
    if (!(m in MODES)) throw new Error(`database URL: ssl-mode ${JSON.stringify(mode)} is not one of DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY`);
    verify = MODES[m] ?? null;
  } else {
    verify = ssl === 'true' || (ssl === undefined && anyFile) ? 'full' : null;
  }
  if (verify === null) {
    if (anyFile) throw new Error('database URL: ssl-ca, ssl-cert and ssl-key need TLS, but ssl-mode is DISABLED (or ssl=false)');
    return null;
  }
  return tlsFiles(verify, files.ca, files.cert, files.key, { cert: 'ssl-cert', key: 'ssl-key' });
}
