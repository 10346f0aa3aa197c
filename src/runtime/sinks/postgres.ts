/**
 * PostgreSQL sink over a node-postgres pool: one transaction per call, the engine's `?`
 * statements numbered once per text (sql/dialects/postgres/placeholders.ts), named locks as
 * transaction-scoped advisory locks.
 */
import pg from 'pg';
import { postgresClientConfig } from '../../sql/dialects/postgres/connect.js';
import { numberPlaceholders } from '../../sql/dialects/postgres/placeholders.js';
import { parsePostgresUrl } from '../../sql/dialects/postgres/url.js';
import type { Statement } from '../../sql/statement.js';
import { DEFAULT_LOCK_TIMEOUT_S } from './mysql.js';
import { fingerprintText, LockWaitError, sinkParts, type Sink, type Tx } from './sink.js';

export interface PostgresSinkOptions {
  /** How long a transaction waits for its partition locks before a transient LockWaitError (as MysqlSinkOptions). */
  lockTimeoutS?: number;
}

/** Statement texts numbered so far: the same few shapes recur in every batch. Bounded: multi-row texts vary with their row count. */
const NUMBERED_LIMIT = 2000;

export async function openPostgresSink(databaseUrl: string, poolSize = 4, o: PostgresSinkOptions = {}): Promise<Sink> {
  const lockTimeoutS = o.lockTimeoutS ?? DEFAULT_LOCK_TIMEOUT_S;
  const pool = new pg.Pool({ ...postgresClientConfig(parsePostgresUrl(databaseUrl)), max: poolSize });
  // An idle connection the server closed (a restart) is reported here; without a listener the
  // process would exit. The next checkout gets a new connection; a live transaction sees its own error.
  pool.on('error', () => undefined);
  const numbered = new Map<string, string>();
  const text = (sql: string): string => {
    let out = numbered.get(sql);
    if (out === undefined) {
      if (numbered.size >= NUMBERED_LIMIT) numbered.clear();
      out = numberPlaceholders(sql);
      numbered.set(sql, out);
    }
    return out;
  };
  // Fail at open, as the other sinks do, when the server cannot be reached or refuses the login.
  (await pool.connect()).release();
  const parts = sinkParts('postgres');
  return {
    ...parts,
    returning: true,
    async transaction(fn, guard) {
      const client = await pool.connect();
      // A checked-out client's 'error' events are the caller's to handle: pg-pool removes its idle
      // listener at checkout (pg-pool index.js _acquireClient). The server ending the session while
      // no query runs (pg_terminate_backend, a restart: 57P01) would otherwise be an unhandled
      // 'error' event, which ends the process. Kept here, the next statement fails (transient:
      // retried) and the client is released broken, so the pool drops it.
      let lost: Error | undefined;
      const onError = (e: Error) => { lost = e; };
      client.on('error', onError);
      const run = (s: Statement) => client.query({ text: text(s.sql), values: s.params });
      const tx: Tx = {
        exec: async (s) => (await run(s)).rowCount ?? 0,
        query: async (s) => (await run(s)).rows as Array<Record<string, unknown>>,
      };
      let broken: Error | undefined;
      try {
        await client.query('BEGIN');
        const locks = guard?.locks ?? [];
        if (locks.length > 0) await takeLocks(client, locks, lockTimeoutS);
        const start: { fingerprints?: string | null } = {};
        if (guard?.fingerprints !== undefined) {
          const rows = await tx.query(parts.engine.selectFingerprints(guard.fingerprints, true));
          start.fingerprints = fingerprintText(rows[0]?.fp);
        }
        const out = await fn(tx, start);
        await client.query('COMMIT');
        return out;
      } catch (e) {
        try { await client.query('ROLLBACK'); } catch (r) { broken = r instanceof Error ? r : new Error(String(r)); }
        throw e;
      } finally {
        client.removeListener('error', onError);
        // A connection whose ROLLBACK failed is in an unknown state, one the server ended is gone:
        // released with the error, the pool drops it.
        client.release(broken ?? lost);
      }
    },
    async close() { await pool.end(); },
  };
}

/**
 * Transaction-scoped advisory locks (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS):
 * released by the COMMIT or ROLLBACK, so none outlives its transaction on a pooled connection.
 * A name is a 64-bit key by hashtextextended; lock_timeout bounds the wait (55P03), then is
 * restored so the transaction's row locks wait as they would otherwise.
 */
async function takeLocks(client: pg.PoolClient, locks: string[], timeoutS: number): Promise<void> {
  await client.query(`SELECT set_config('lock_timeout', $1, true)`, [`${Math.max(1, Math.round(timeoutS * 1000))}ms`]);
  try {
    for (const name of locks) await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [name]);
  } catch (e) {
    if ((e as { code?: unknown }).code === '55P03') throw new LockWaitError(locks, timeoutS);
    throw e;
  }
  await client.query('SET LOCAL lock_timeout = DEFAULT');
}
