/**
 * The database side of the runtime: one transaction per call, for MySQL/MariaDB (mysql2 pool)
 * and SQLite (better-sqlite3). Both run the same folded statements and engine statements.
 */
import type { ChangeBuilder, Statement } from '../../sql/statement.js';
import { engineSql, type EngineSql, type SqlDialect } from '../../sql/engine-sql.js';
import { dialectOf } from '../../sql/dialects/index.js';

export interface Tx {
  /** Run a statement; resolves to the number of rows it changed. */
  exec(stmt: Statement): Promise<number>;
  query(stmt: Statement): Promise<Array<Record<string, unknown>>>;
}

/** What a live transaction holds and reads before its first statement (runtime/rebuild/swap-lock.ts). */
export interface TxGuard {
  /**
   * MariaDB named locks (GET_LOCK) taken before the first statement and released after the commit
   * or rollback. SQLite ignores them: its write lock already serialises its transactions.
   */
  locks: string[];
  /** Read, once the locks are held, the stored fingerprints of these projections (TxStart.fingerprints). */
  fingerprints?: string[];
}

export interface TxStart {
  /** `projection=fingerprint` pairs, sorted, comma-separated; null when none is stored. Only with TxGuard.fingerprints. */
  fingerprints?: string | null;
}

/** The `fp` column of EngineSql.selectFingerprints as TxStart.fingerprints: its text, or null when none is stored. */
export function fingerprintText(fp: unknown): string | null {
  return fp === null || fp === undefined ? null : String(fp);
}

/** A named lock not granted within the sink's lock timeout: a rebuild's swap holds it (transient). */
export class LockWaitError extends Error {
  readonly code = 'SC_SWAP_LOCK_WAIT';
  constructor(readonly locks: string[], readonly timeoutS: number) {
    super(`the partition lock was not granted within ${timeoutS} s (a rebuild's swap holds it)`);
  }
}

export interface Sink {
  dialect: SqlDialect;
  changes: ChangeBuilder;
  engine: EngineSql;
  /** The database returns the rows an INSERT added (MariaDB 10.5+, SQLite): claims take one statement. */
  returning: boolean;
  /**
   * Largest statement the database accepts (MariaDB's max_allowed_packet, less room for the SQL
   * around the values); undefined when there is no such limit worth splitting for (SQLite).
   */
  maxStatementBytes?: number;
  /**
   * Run fn in one transaction: commit when it resolves, roll back when it throws. With a guard,
   * the transaction first takes its named locks (MariaDB), then reads the stored spec
   * fingerprints, and hands what it read to fn.
   */
  transaction<T>(fn: (tx: Tx, start: TxStart) => Promise<T>, guard?: TxGuard): Promise<T>;
  close(): Promise<void>;
}

export function sinkParts(dialect: SqlDialect): Pick<Sink, 'dialect' | 'changes' | 'engine'> {
  return { dialect, changes: dialectOf(dialect).changes, engine: engineSql(dialect) };
}
