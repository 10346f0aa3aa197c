/**
 * Row changes: what one event does to one row, with every value evaluated and coerced to its
 * column's SQL form. The folder groups rows of the same shape into multi-row statements.
 */
import type { ColumnDef } from '../compile/plan.js';
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
  /**
   * The columns' definitions, one for each of `columns` (one array shared by every row of an
   * operation): a dialect that binds each column's values as one typed array casts by them
   * (PostgreSQL's INSERT … SELECT FROM unnest, postgres/changes.ts).
   */
  defs?: readonly ColumnDef[];
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
  /**
   * The table's column definitions (TableDef.columns, one array shared by every row of a table):
   * a dialect that binds each column's values as one typed array casts by them (PostgreSQL's
   * UPDATE … FROM unnest, postgres/update-from.ts).
   */
  tableColumns?: readonly ColumnDef[];
}

export interface DeleteRow {
  kind: 'delete';
  table: string;
  shape: string;
  where: string[];
  whereValues: SqlValue[];
  guard?: string;
  version?: SqlValue;
  /** As UpdateRow.tableColumns. */
  tableColumns?: readonly ColumnDef[];
}

export type RowChange = InsertRow | UpdateRow | DeleteRow;

/**
 * The identity of the row a change touches (table, key columns, key values), to keep changes of
 * one row in event sequence. An insert's key values and an update's or delete's where values of
 * the same row give the same text. Built in one pass, as it runs once per row change.
 */
export function rowIdentity(row: RowChange): string {
  const cols = row.kind === 'insert' ? row.key : row.where;
  let s = `${row.table}\u0000${cols.length === 1 ? (cols[0] as string) : cols.join(',')}\u0000[`;
  for (let i = 0; i < cols.length; i++) {
    const v = row.kind === 'insert' ? row.values[row.columns.indexOf(cols[i] as string)] : row.whereValues[i];
    s += (i > 0 ? ',' : '') + JSON.stringify(v ?? null);
  }
  return `${s}]`;
}
