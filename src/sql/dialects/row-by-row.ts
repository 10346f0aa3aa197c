/**
 * UPDATE and DELETE of one row by its key (and, on a version-guarded table, only while the stored
 * version is older): the statements of the dialects that write those changes row by row (SQLite,
 * PostgreSQL). Each row of a shape gets the same text, so a sink can prepare it once. What differs
 * between them, how a column is assigned, is the dialect's own `assignment` and `setParams`.
 */
import type { SqlValue } from '../coerce.js';
import type { DeleteRow, SetPart, UpdateRow } from '../rows.js';
import type { Statement } from '../statement.js';

export interface RowByRow {
  update(r: UpdateRow): Statement;
  remove(r: DeleteRow): Statement;
}

export function rowByRow(q: (identifier: string) => string, assignment: (p: SetPart) => string, setParams: (parts: SetPart[]) => SqlValue[]): RowByRow {
  const whereClause = (r: UpdateRow | DeleteRow): string => {
    const keys = r.where.map((c) => `${q(c)} = ?`).join(' AND ');
    return r.guard === undefined ? keys : `${keys} AND ${q(r.guard)} < ?`;
  };
  const whereParams = (r: UpdateRow | DeleteRow): SqlValue[] => (r.guard === undefined ? r.whereValues : [...r.whereValues, r.version ?? null]);
  return {
    update: (r) => ({ sql: `UPDATE ${q(r.table)} SET ${r.set.map(assignment).join(', ')} WHERE ${whereClause(r)}`, params: [...setParams(r.set), ...whereParams(r)] }),
    remove: (r) => ({ sql: `DELETE FROM ${q(r.table)} WHERE ${whereClause(r)}`, params: whereParams(r) }),
  };
}
