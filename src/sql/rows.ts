/**
 * Row changes: what one event does to one row, with every value evaluated and coerced to its
 * column's SQL form. The folder groups rows of the same shape into multi-row statements.
 */
import type { SqlValue } from './coerce.js';
import type { Numeric } from './numeric.js';

export interface InsertRow {
  kind: 'insert';
  table: string;
  /** Grouping key: rows of one shape fold into one statement. */
  shape: string;
  columns: string[];
  values: SqlValue[];
  key: string[];
  /** Columns updated when the key exists; empty means ignore. */
  update: string[];
  guard?: string;
}

export type SetPart =
  | { mode: 'set'; column: string; value: SqlValue }
  /**
   * Add `value` (already exact in the column's type: an integer, or a decimal at the column's
   * scale). `base` is the column default a created row starts from; `numeric` says how to add.
   */
  | { mode: 'add'; column: string; value: SqlValue; base: SqlValue; numeric: Numeric }
  /** Replace an element inside a stored JSON document; `json` marks a non-scalar value. */
  | { mode: 'replace'; column: string; path: string; value: SqlValue; json: boolean };

export interface UpdateRow {
  kind: 'update';
  table: string;
  shape: string;
  where: string[];
  whereValues: SqlValue[];
  set: SetPart[];
  /** Create the row (key + counters) when missing: an increment with create_missing. */
  upsert: boolean;
  guard?: string;
  version?: SqlValue;
}

export interface DeleteRow {
  kind: 'delete';
  table: string;
  shape: string;
  where: string[];
  whereValues: SqlValue[];
  guard?: string;
  version?: SqlValue;
}

export type RowChange = InsertRow | UpdateRow | DeleteRow;

/** The identities of the rows a change touches, to keep changes of one row in event sequence. */
export function identities(row: RowChange): string[] {
  if (row.kind !== 'insert') return [identity(row.table, row.where, row.whereValues)];
  const vals = row.key.map((k) => row.values[row.columns.indexOf(k)] ?? null);
  return [identity(row.table, row.key, vals)];
}

function identity(table: string, cols: string[], vals: SqlValue[]): string {
  return `${table}\u0000${cols.join(',')}\u0000${JSON.stringify(vals)}`;
}
