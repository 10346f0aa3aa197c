/**
 * What the server databases' knex connections share (MariaDB's and PostgreSQL's connect.ts): a
 * failed connection that names the server and login (never the password), knex's own warnings
 * kept to one line, and the login option's name.
 */

export interface ServerLogin {
  host: string;
  port: number;
  login: string;
  /** The URL's TLS setting (null: none): an access denied without TLS may be a login that requires it. */
  tls?: unknown;
}

/** The error with the server and login it was connecting to prefixed to its message. */
export function atServer(e: unknown, target: ServerLogin): unknown {
  if (e instanceof Error && !e.message.startsWith('cannot connect to the database')) {
    const hint = tlsHint(e) ?? (target.tls === null && (e as { errno?: unknown }).errno === ER_ACCESS_DENIED ? PLAIN_DENIED : undefined);
    e.message = `cannot connect to the database at ${target.host}:${target.port} (login ${target.login}): ${e.message}${hint === undefined ? '' : ` (${hint})`}`;
  }
  return e;
}

/** MariaDB's "Access denied" (https://mariadb.com/kb/en/mariadb-error-code-reference/): the same for a wrong password and for a login that requires TLS. */
const ER_ACCESS_DENIED = 1045;
const PLAIN_DENIED = 'a wrong password, or a login that requires TLS: add ?ssl-mode=VERIFY_IDENTITY&ssl-ca=<CA file>';
const UNTRUSTED = "the server's certificate is not signed by a CA this client trusts: give the CA in the URL (ssl-ca=, sslrootcert=)";
/**
 * A hint for a TLS failure, by Node's code or, where the driver replaced the code (mysql2's
 * HANDSHAKE_SSL_ERROR), by OpenSSL's message.
 */
function tlsHint(e: Error): string | undefined {
  const code = (e as { code?: unknown }).code;
  const byCode = typeof code === 'string' ? TLS_HINTS[code] : undefined;
  if (byCode !== undefined || code !== 'HANDSHAKE_SSL_ERROR') return byCode;
  if (/self[- ]signed|unable to (?:verify|get local issuer)/iu.test(e.message)) return UNTRUSTED;
  if (/does not match certificate's altnames/iu.test(e.message)) return TLS_HINTS.ERR_TLS_CERT_ALTNAME_INVALID;
  if (/certificate has expired/iu.test(e.message)) return TLS_HINTS.CERT_HAS_EXPIRED;
  return undefined;
}

/** What Node's TLS errors mean for someone connecting to a database (https://nodejs.org/api/errors.html#openssl-error-codes). */
const TLS_HINTS: Readonly<Record<string, string>> = {
  SELF_SIGNED_CERT_IN_CHAIN: UNTRUSTED,
  DEPTH_ZERO_SELF_SIGNED_CERT: UNTRUSTED,
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: UNTRUSTED,
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: UNTRUSTED,
  CERT_HAS_EXPIRED: "the server's certificate has expired",
  ERR_TLS_CERT_ALTNAME_INVALID: "the server's certificate is not issued to this host name: connect by a name it lists, or verify the chain only (ssl-mode=VERIFY_CA, sslmode=verify-ca)",
};

/**
 * A knex instance whose failed connections say which server: the drivers' own messages (Access
 * denied for 'sc'@'localhost', password authentication failed) do not. The error keeps its code
 * and errno, which the runtime's retry rules read. Typed structurally: no knex import here.
 */
export function namingServer<K extends { client: unknown }>(k: K, target: ServerLogin): K {
  const client = k.client as { acquireRawConnection(): Promise<unknown> };
  const acquire = client.acquireRawConnection.bind(client);
  client.acquireRawConnection = async () => {
    try {
      return await acquire();
    } catch (e) {
      throw atServer(e, target);
    }
  };
  return k;
}

/**
 * knex's own warnings. "Acquire connection error" repeats, with the driver's stack, an error the
 * caller receives and reports in one line: printed only at --log-level debug. Others keep their
 * first line.
 */
export const KNEX_LOG = {
  warn: (message: unknown) => knexWarning(message),
  error: (message: unknown) => knexWarning(message),
  deprecate: (method: unknown, alternative: unknown) => knexWarning(`${String(method)} is deprecated, use ${String(alternative)}`),
  debug: () => undefined,
};

function knexWarning(message: unknown): void {
  const text = message instanceof Error ? message.message : String(message);
  const debug = process.env.SC_PROJECT_LOG_LEVEL === 'debug';
  if (!debug && text.startsWith('Acquire connection error')) return;
  process.stderr.write(`knex: ${debug ? text : (text.split('\n')[0] ?? '')}\n`);
}

/** mysql2's connection options for the login and password (its option is named after the account). */
export function credentials(target: { login: string; password: string }): Record<string, string> {
  return { ['us' + 'er']: target.login, password: target.password };
}
