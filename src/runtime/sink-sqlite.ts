/** SQLite sink (the embedded default) over better-sqlite3, with prepared statements cached by text. */
import Database from 'better-sqlite3';
import { parseDatabaseUrl } from '../sql/connection.js';
import { SC_ADD, scAddImpl } from '../sql/sqlite/functions.js';
import { sinkParts, type Sink, type Tx } from './sink.js';

export function openSqliteSink(databaseUrl: string): Sink {
  const target = parseDatabaseUrl(databaseUrl);
  if (target.kind !== 'sqlite') throw new Error('openSqliteSink needs a sqlite: URL');
  const db = new Database(target.filename);
  // WAL with synchronous=NORMAL survives a killed process (not a power cut) and is fast.
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // Exact, range-checked increments (sql/sqlite/functions.ts); integers arrive as bigint.
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
  const run = async <T>(fn: (tx: Tx) => Promise<T>): Promise<T> => {
    db.exec('BEGIN IMMEDIATE');
    try {
      const out = await fn(tx);
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
    ...sinkParts('sqlite'),
    returning: true,
    transaction(fn) {
      const next = queue.then(() => run(fn));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      await queue;
      db.close();
    },
  };
}
