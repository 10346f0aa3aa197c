/**
 * PostgreSQL's session for a rebuild's swap (sinks/session.ts): a pg client of its own holding
 * session-level advisory locks (pg_advisory_lock), which conflict with the live transactions'
 * pg_advisory_xact_lock on the same key (sinks/postgres.ts) and, unlike those, outlive the swap's
 * transactions until released or the session ends
 * (https://www.postgresql.org/docs/15/explicit-locking.html#ADVISORY-LOCKS).
 */
import pg from 'pg';
import { postgresClientConfig } from '../../sql/dialects/postgres/connect.js';
import { numberPlaceholders } from '../../sql/dialects/postgres/placeholders.js';
import { parsePostgresUrl } from '../../sql/dialects/postgres/url.js';
import type { Statement } from '../../sql/statement.js';
import { serialized, sessionStatements, type Session } from './session.js';
import type { Tx } from './sink.js';

/** lock_timeout's SQLSTATE: the wait for a lock ran out (https://www.postgresql.org/docs/15/errcodes-appendix.html). */
const LOCK_NOT_AVAILABLE = '55P03';

export async function openPostgresSession(databaseUrl: string): Promise<Session> {
  const client = new pg.Client(postgresClientConfig(parsePostgresUrl(databaseUrl)));
  // An error of the idle connection (a server restart) must not end the process; the next query fails.
  client.on('error', () => undefined);
  await client.connect();
  const run = (s: Statement) => client.query({ text: numberPlaceholders(s.sql), values: s.params });
  const tx: Tx = {
    exec: async (s) => (await run(s)).rowCount ?? 0,
    query: async (s) => (await run(s)).rows as Array<Record<string, unknown>>,
  };
  const serial = serialized();
  return {
    ...sessionStatements(tx, (sql) => client.query(sql), 'BEGIN', serial),
    // The wait is bounded by lock_timeout, set for this statement only: a lock the live group
    // holds past it means "not now" (false), as GET_LOCK's timeout does on MariaDB.
    lock: (name, timeoutS) => serial(async () => {
      await client.query(`SELECT set_config('lock_timeout', $1, false)`, [`${Math.max(1, Math.round(timeoutS * 1000))}ms`]);
      try {
        await client.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [name]);
        return true;
      } catch (e) {
        if ((e as { code?: unknown }).code === LOCK_NOT_AVAILABLE) return false;
        throw e;
      } finally {
        await client.query('SET lock_timeout = DEFAULT');
      }
    }),
    unlock: (names) => serial(async () => {
      for (const name of names) await client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [name]);
    }),
    close: async () => { await serial(async () => undefined); await client.end().catch(() => undefined); },
  };
}
