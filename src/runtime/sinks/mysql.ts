/** MySQL/MariaDB sink over a mysql2 pool. */
import mysql from 'mysql2/promise';
import { mysqlConnectionOptions } from '../../sql/dialects/mysql/connect.js';
import { parseMysqlUrl } from '../../sql/dialects/mysql/url.js';
import { fingerprintText, LockWaitError, sinkParts, type Sink, type Tx, type TxStart } from './sink.js';

interface CallbackConnection {
  query(sql: string, cb: (err: unknown) => void): void;
  destroy(): void;
}

export interface MysqlSinkOptions {
  /**
   * How long a transaction waits for its partition locks (TxGuard.locks) before it gives up with a
   * transient LockWaitError, retried with backoff: short, so the batch heartbeats in between.
   */
  lockTimeoutS?: number;
}

/** A swap holds the locks for as long as it brings the shadow tables to the live positions and renames them. */
export const DEFAULT_LOCK_TIMEOUT_S = 5;

export async function openMysqlSink(databaseUrl: string, poolSize = 4, o: MysqlSinkOptions = {}): Promise<Sink> {
  const lockTimeoutS = o.lockTimeoutS ?? DEFAULT_LOCK_TIMEOUT_S;
  const target = parseMysqlUrl(databaseUrl);
  const pool = mysql.createPool({
    ...mysqlConnectionOptions(target),
    connectionLimit: poolSize, charset: 'utf8mb4', timezone: 'Z', dateStrings: true,
    supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 5000,
    // mysql2's default, stated because the noop count relies on it: an UPDATE reports the rows
    // it matched, not only those whose values changed, as SQLite's changes() does.
    flags: ['FOUND_ROWS'],
    // No stack capture per query (mysql2's promise API calls Error.captureStackTrace for every
    // statement to show the caller in errors); ours name projection, unit and offsets instead.
    trace: false,
  });
  // Strict mode makes a value too long or of the wrong type an error instead of a silent
  // truncation (https://mariadb.com/kb/en/sql-mode/#strict-mode); UTC because DATETIME has no zone.
  pool.on('connection', (promised) => {
    // mysql2 re-emits the core (callback) connection here, whatever its typings say.
    const conn = promised as unknown as CallbackConnection;
    // Queued before any other statement on the connection. Without a callback a failure
    // would be an unhandled 'error' event; a connection that cannot be made strict is not used.
    conn.query("SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO', time_zone = '+00:00'", (err: unknown) => {
      if (err) conn.destroy();
    });
  });
  const parts = sinkParts('mysql');
  return {
    ...parts,
    returning: await supportsReturning(pool),
    maxStatementBytes: await statementBudget(pool),
    async transaction(fn, guard) {
      const conn = await pool.getConnection();
      let broken = false;
      const locks = guard?.locks ?? [];
      // Locks granted so far: released after the commit or rollback, whatever happened between.
      let held = false;
      try {
        await conn.query('START TRANSACTION');
        const start: TxStart = {};
        if (locks.length > 0) {
          // Before the query: a failure after some GET_LOCK was granted must still release it
          // (releasing a lock not held is harmless).
          held = true;
          const st = parts.engine.takeLocks(locks, lockTimeoutS);
          const [rows] = await conn.query(st.sql, st.params);
          const row = (rows as Array<Record<string, unknown>>)[0] ?? {};
          if (locks.some((_, i) => Number(row[`l${i}`]) !== 1)) throw new LockWaitError(locks, lockTimeoutS);
        }
        if (guard?.fingerprints !== undefined) {
          // A statement of its own, once the locks are granted: read in the same statement as
          // GET_LOCK, the fingerprint row's shared lock made a swap's bookkeeping wait for as long
          // as a live transaction waited for its lock (the swap's pause took the lock timeout).
          const st = parts.engine.selectFingerprints(guard.fingerprints, true);
          const [rows] = await conn.query(st.sql, st.params);
          start.fingerprints = fingerprintText((rows as Array<Record<string, unknown>>)[0]?.fp);
        }
        const tx: Tx = {
          exec: async (s) => {
            const [res] = await conn.query(s.sql, s.params);
            return Number((res as { affectedRows?: number }).affectedRows ?? 0);
          },
          query: async (s) => (await conn.query(s.sql, s.params))[0] as Array<Record<string, unknown>>,
        };
        const out = await fn(tx, start);
        await conn.query('COMMIT');
        return out;
      } catch (e) {
        try { await conn.query('ROLLBACK'); } catch { broken = true; }
        throw e;
      } finally {
        if (held && !broken) {
          // A lock that cannot be released would outlive the transaction on a pooled connection
          // and stall the next swap: drop the connection instead (its locks go with the session).
          try { const st = parts.engine.releaseLocks(locks); await conn.query(st.sql, st.params); } catch { broken = true; }
        }
        // A connection whose ROLLBACK failed is in an unknown state: drop it from the pool.
        if (broken) conn.destroy(); else conn.release();
      }
    },
    async close() { await pool.end(); },
  };
}

/** max_allowed_packet less 64 KiB for the statement around the values and the protocol's header. */
async function statementBudget(pool: mysql.Pool): Promise<number> {
  const [rows] = await pool.query('SELECT @@max_allowed_packet AS p');
  const packet = Number((rows as Array<{ p: unknown }>)[0]?.p ?? 0);
  return Math.max(64 * 1024, (Number.isFinite(packet) && packet > 0 ? packet : 4 * 1024 * 1024) - 64 * 1024);
}

/** MariaDB 10.5 added INSERT … RETURNING; MySQL has none. */
async function supportsReturning(pool: mysql.Pool): Promise<boolean> {
  const [rows] = await pool.query('SELECT VERSION() AS v');
  const m = /^(\d+)\.(\d+).*mariadb/iu.exec(String((rows as Array<{ v: unknown }>)[0]?.v ?? ''));
  return m !== null && (Number(m[1]) > 10 || (Number(m[1]) === 10 && Number(m[2]) >= 5));
}
