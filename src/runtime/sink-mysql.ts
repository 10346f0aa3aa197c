/** MySQL/MariaDB sink over a mysql2 pool. */
import mysql from 'mysql2/promise';
import { credentials, parseDatabaseUrl } from '../sql/connection.js';
import { sinkParts, type Sink, type Tx } from './sink.js';

interface CallbackConnection {
  query(sql: string, cb: (err: unknown) => void): void;
  destroy(): void;
}

export async function openMysqlSink(databaseUrl: string, poolSize = 4): Promise<Sink> {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind !== 'mysql') throw new Error('openMysqlSink needs a mysql:// URL');
  const pool = mysql.createPool({
    host: target.host, port: target.port, ...credentials(target), database: target.database,
    connectionLimit: poolSize, charset: 'utf8mb4', timezone: 'Z', dateStrings: true,
    supportBigNumbers: true, bigNumberStrings: true, connectTimeout: 5000,
    // mysql2's default, stated because the noop count relies on it: an UPDATE reports the rows
    // it matched, not only those whose values changed, as SQLite's changes() does.
    flags: ['FOUND_ROWS'],
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
  return {
    ...sinkParts('mysql'),
    returning: await supportsReturning(pool),
    maxStatementBytes: await statementBudget(pool),
    async transaction(fn) {
      const conn = await pool.getConnection();
      let broken = false;
      try {
        await conn.query('START TRANSACTION');
        const tx: Tx = {
          exec: async (s) => {
            const [res] = await conn.query(s.sql, s.params);
            return Number((res as { affectedRows?: number }).affectedRows ?? 0);
          },
          query: async (s) => (await conn.query(s.sql, s.params))[0] as Array<Record<string, unknown>>,
        };
        const out = await fn(tx);
        await conn.query('COMMIT');
        return out;
      } catch (e) {
        try { await conn.query('ROLLBACK'); } catch { broken = true; }
        throw e;
      } finally {
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
