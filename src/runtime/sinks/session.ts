/**
 * A dedicated connection whose named locks belong to its session, not to a transaction: what a
 * rebuild's swap holds across its hand-over and renames while the live group waits (GET_LOCK on
 * MariaDB, pg_advisory_lock on PostgreSQL). A killed process's session ends, and its locks go with
 * it, so a crashed swap never wedges the live group. SQLite has none: its write lock already
 * serialises the swap's transaction with the live ones (runtime/rebuild/control.ts). Opened by
 * open.ts (openSession).
 */
import type { Tx } from './sink.js';

export interface Session extends Tx {
  /** One transaction on the session's connection (BEGIN … COMMIT, ROLLBACK on a throw). */
  transaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Take a session lock, waiting at most `timeoutS` seconds: true when granted. */
  lock(name: string, timeoutS: number): Promise<boolean>;
  unlock(names: string[]): Promise<void>;
  close(): Promise<void>;
}

/** One statement at a time on a session's connection: a refresh must not run inside the swap's transaction. */
export function serialized(): <T>(fn: () => Promise<T>) => Promise<T> {
  let queue: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn);
    queue = next.catch(() => undefined);
    return next;
  };
}

/**
 * A session's statements and transactions, serialized on its connection: the same for every server
 * but for the statement that opens a transaction and the driver's way to run plain text.
 */
export function sessionStatements(tx: Tx, raw: (sql: string) => Promise<unknown>, begin: string, serial: ReturnType<typeof serialized>): Pick<Session, 'query' | 'exec' | 'transaction'> {
  return {
    query: (st) => serial(() => tx.query(st)),
    exec: (st) => serial(() => tx.exec(st)),
    transaction: (fn) => serial(async () => {
      await raw(begin);
      try {
        const out = await fn(tx);
        await raw('COMMIT');
        return out;
      } catch (e) {
        await raw('ROLLBACK').catch(() => undefined);
        throw e;
      }
    }),
  };
}
