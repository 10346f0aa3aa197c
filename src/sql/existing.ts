/**
 * Which rows of update or delete changes exist, read back after their statement found fewer rows
 * than it carried (the rare case: no-ops). Each change is numbered by its place in the list, so
 * the answer never depends on how the database returns a key's value (numbers as text, dates),
 * and it carries the stored version where the table is version-guarded. A statement that runs
 * only when a batch had no-ops: never on the hot path.
 */
import type { SqlValue } from './coerce.js';
import type { SqlDialect } from './dialect.js';
import { dialectOf } from './dialects/index.js';
import type { DeleteRow, UpdateRow } from './rows.js';
import type { Statement } from './statement.js';

/** SQLite's default SQLITE_MAX_COMPOUND_SELECT is 500 terms of a UNION ALL; MariaDB has no such limit. */
const ROWS_PER_QUERY = 400;

export interface ExistingQuery extends Statement {
  /** Index in the list of the query's first change: the `i` it returns is relative to it. */
  from: number;
}

/**
 * SELECT 0 AS i[, t.<guard> AS v] FROM <table> AS t WHERE t.k = ? … UNION ALL SELECT 1[, t.<guard>] FROM …
 * Each value is compared with its column itself, so the database types it as the column
 * (PostgreSQL types a value selected in a subquery as text, and bigint = text does not exist),
 * and each branch is a lookup by the key. Every change must be of one table and where-columns
 * (one statement group's rows are).
 */
export function existingRows(dialect: SqlDialect, rows: ReadonlyArray<UpdateRow | DeleteRow>): ExistingQuery[] {
  const first = rows[0];
  if (first === undefined) return [];
  const q = dialectOf(dialect).quote;
  const guard = first.guard === undefined ? '' : `, t.${q(first.guard)}`;
  const where = first.where.map((c) => `t.${q(c)} = ?`).join(' AND ');
  const out: ExistingQuery[] = [];
  for (let from = 0; from < rows.length; from += ROWS_PER_QUERY) {
    const part = rows.slice(from, from + ROWS_PER_QUERY);
    const params: SqlValue[] = [];
    const selects = part.map((r, i) => {
      params.push(...r.whereValues);
      // The index is a literal integer, never a value from an event; the first branch names the columns.
      return `SELECT ${i}${i === 0 ? ' AS i' : ''}${guard}${i === 0 && guard !== '' ? ' AS v' : ''} FROM ${q(first.table)} AS t WHERE ${where}`;
    });
    out.push({ from, sql: selects.join(' UNION ALL '), params });
  }
  return out;
}
