/** MariaDB's database URLs: `mysql://login:pass@host:port/db`, also `mariadb://`. */

export interface MysqlTarget {
  kind: 'mysql';
  host: string;
  port: number;
  login: string;
  password: string;
  database: string;
}

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
  };
}
