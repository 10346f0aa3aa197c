/**
 * No-op row changes named by table, handler and reason, worked out only when a statement found
 * fewer rows than it carried (the rare case; a batch without no-ops pays nothing).
 *
 * An update or delete that changed no row either found no row (`no_row`) or, on a version-guarded
 * table, found it at a version as new or newer (`stale`). Which one is read back from the table
 * after the statement: a row that exists now was there before (neither statement creates rows),
 * so an update's or delete's change whose row exists and was not applied was stale.
 * - One statement per change (SQLite always; MariaDB for a change alone in its statement): the
 *   changes that changed nothing are known, and their rows' existence says why. Exact.
 * - A multi-row MariaDB statement tells only how many rows it changed. An update's missing rows
 *   are certain no-ops (no_row) and the rest are stale, first those whose stored version is above
 *   theirs; a delete's remaining rows are certain stale ones and the rest found no row. Where
 *   rows of several handlers cannot be told apart (a repeat at the same version beside applied
 *   changes, or deleted rows beside missing ones), the count per reason is still exact and the
 *   handler named is that of the first such change.
 */
import { existingRows } from '../../sql/existing.js';
import type { SqlDialect } from '../../sql/engine-sql.js';
import type { DeleteRow, RowChange, UpdateRow } from '../../sql/rows.js';
import type { Tx } from '../sinks/sink.js';
import { noopKey, type NoopReason } from '../ops/stats.js';

type Matching = UpdateRow | DeleteRow;

/**
 * Count a statement group's `count` no-ops into `into` (noopKey → n); the stale ones are returned.
 * `zero`: indexes of the changes whose own statement changed no row, when each had its own.
 */
export async function explainNoops(tx: Tx, dialect: SqlDialect, rows: readonly RowChange[], count: number, zero: number[] | undefined, handlerOf: (row: RowChange) => string, into: Map<string, number>): Promise<number> {
  const matching = rows as readonly Matching[];
  const guarded = matching[0]?.guard !== undefined;
  const add = (i: number, reason: NoopReason, n = 1) => {
    const row = matching[i] as Matching;
    const k = noopKey(row.table, handlerOf(row), reason);
    into.set(k, (into.get(k) ?? 0) + n);
  };
  if (zero !== undefined && !guarded) {
    for (const i of zero) add(i, 'no_row');
    return 0;
  }
  const asked = zero ?? matching.map((_, i) => i);
  const stored = await existing(tx, dialect, asked.map((i) => matching[i] as Matching));
  /** Index in `matching` → the stored version (null when unguarded), for the rows that exist. */
  const found = new Map<number, unknown>();
  for (const [j, v] of stored) found.set(asked[j] as number, v);
  if (zero !== undefined) {
    let stale = 0;
    for (const i of zero) {
      const reason: NoopReason = found.has(i) ? 'stale' : 'no_row';
      if (reason === 'stale') stale++;
      add(i, reason);
    }
    return stale;
  }
  const missing = asked.filter((i) => !found.has(i));
  const present = asked.filter((i) => found.has(i));
  if (matching[0]?.kind === 'delete') {
    // Deleted rows are gone too: the present ones are the stale changes, the rest of the count found no row.
    for (const i of present) add(i, 'stale');
    spread(missing, count - present.length, (i) => add(i, 'no_row'));
    return Math.min(present.length, count);
  }
  for (const i of missing) add(i, 'no_row');
  const stale = Math.max(0, count - missing.length);
  // Newer stored versions first: those changes were certainly skipped.
  const newer = (i: number) => Number(found.get(i)) > Number((matching[i] as Matching).version);
  spread([...present.filter(newer), ...present.filter((i) => !newer(i))], stale, (i) => add(i, 'stale'));
  return stale;
}

/** Call `f` for the first `n` of `candidates`. */
function spread(candidates: number[], n: number, f: (i: number) => void): void {
  for (const i of candidates.slice(0, Math.max(0, n))) f(i);
}

/** Which of `rows` exist: their index in `rows` → the stored version (undefined when unguarded). */
async function existing(tx: Tx, dialect: SqlDialect, rows: Matching[]): Promise<Map<number, unknown>> {
  const out = new Map<number, unknown>();
  for (const st of existingRows(dialect, rows)) {
    for (const r of await tx.query(st)) out.set(st.from + Number(r.i), r.v);
  }
  return out;
}
