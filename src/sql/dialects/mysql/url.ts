/**
 * MariaDB's database URLs: `mysql://login:pass@host:port/db`, also `mariadb://`, with TLS in the
 * MySQL/MariaDB clients' own option names: `?ssl-mode=VERIFY_IDENTITY&ssl-ca=/path/ca.pem`.
 */
import { queryOptions, tlsFromOptions, type DbTls, type TlsWords } from '../tls.js';

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
    tls: tlsFromOptions(queryOptions(url, OPTIONS, EXAMPLE), WORDS),
  };
}

/**
 * `ssl-mode` as the MySQL and MariaDB clients take it (https://mariadb.com/kb/en/securing-connections-for-client-and-server/):
 * DISABLED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY, in any case; PREFERRED is refused: it falls
 * back to a plaintext connection without a word.
 */
const WORDS: TlsWords = {
  mode: 'ssl-mode', upperCase: true, refused: ['PREFERRED'], ca: 'ssl-ca', cert: 'ssl-cert', key: 'ssl-key', caUpgradesEncryptOnly: false,
  modes: { DISABLED: null, REQUIRED: 'none', VERIFY_CA: 'chain', VERIFY_IDENTITY: 'full' },
};
