/** SQLite sink (the embedded default) over better-sqlite3, with prepared statements cached by text. */
import Database from 'better-sqlite3';
import { SC_ADD, scAddImpl } from '../../sql/dialects/sqlite/functions.js';
import { parseSqliteUrl } from '../../sql/dialects/sqlite/url.js';
import { fingerprintText, sinkParts, type Sink, type Tx, type TxGuard, type TxStart } from './sink.js';

export function openSqliteSink(databaseUrl: string): Sink {
  const target = parseSqliteUrl(databaseUrl);
  const db = new Database(target.filename);
  // WAL with synchronous=NORMAL survives a killed process (not a power cut) and is fast.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Exact, range-checked increments (sql/dialects/sqlite/functions.ts); integers arrive as bigint.
  db.function(SC_ADD, { deterministic: true, safeIntegers: true }, scAddImpl);
  const cache = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let st = cache.get(sql);
    if (st === undefined) {
      st = db.prepare(sql);
      cache.set(sql, st);
    }
    return st;
  };
  const tx: Tx = {
    exec: async (s) => prepare(s.sql).run(...s.params).changes,
    query: async (s) => prepare(s.sql).all(...s.params) as Array<Record<string, unknown>>,
  };
  const parts = sinkParts('sqlite');
  const run = async <T>(fn: (tx: Tx, start: TxStart) => Promise<T>, guard?: TxGuard): Promise<T> => {
    db.exec('BEGIN IMMEDIATE');
    try {
      // No named locks: BEGIN IMMEDIATE holds the database's write lock, so a swap's transaction
      // and this one never interleave, and what it reads here is what the swap committed.
      const start: TxStart = {};
      if (guard?.fingerprints !== undefined) {
        const st = parts.engine.selectFingerprints(guard.fingerprints);
        const fp = prepare(st.sql).get(...st.params) as { fp: unknown } | undefined;
        start.fingerprints = fingerprintText(fp?.fp);
      }
      const out = await fn(tx, start);
      db.exec('COMMIT');
      return out;
    } catch (e) {
      if (db.inTransaction) db.exec('ROLLBACK');
      throw e;
    }
  };
  // One connection: transactions of several groups (or the pruner) take turns, or one would
  // BEGIN inside another's.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    ...parts,
    returning: true,
    transaction(fn, guard) {
      const next = queue.then(() => run(fn, guard));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      db.close();
    },
  };
}
