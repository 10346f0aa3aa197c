/**
 * `replay --dry-run`: the very transactions a replay would commit, each rolled back at its end.
 * The engine runs unchanged (claims, rows, the database's own refusals, the marks), so what the
 * dry run says would apply or fail again is what the database said, not a guess; nothing stays.
 */
import type { Sink, Tx, TxGuard, TxStart } from '../sinks/sink.js';

/** Thrown at the end of each transaction to roll it back; the value it carried is returned. */
class DryRunRollback extends Error {
  constructor(readonly value: unknown) {
    super('dry run: rolled back');
  }
}

/** `sink` whose every transaction rolls back, handing back what its function returned. */
export function rollbackSink(sink: Sink): Sink {
  const transaction = async <T>(fn: (tx: Tx, start: TxStart) => Promise<T>, guard?: TxGuard): Promise<T> => {
    try {
      await sink.transaction(async (tx, start) => {
        throw new DryRunRollback(await fn(tx, start));
      }, guard);
    } catch (e) {
      if (e instanceof DryRunRollback) return e.value as T;
      throw e;
    }
    throw new Error('dry run: a transaction committed');
  };
  return {
    dialect: sink.dialect, changes: sink.changes, engine: sink.engine, returning: sink.returning,
    ...(sink.maxStatementBytes !== undefined ? { maxStatementBytes: sink.maxStatementBytes } : {}),
    transaction,
    close: () => sink.close(),
  };
}
