/**
 * Multi-row UPDATE and DELETE on PostgreSQL: the rows' values travel as one typed array a column,
 * joined to the table by its key (https://www.postgresql.org/docs/15/sql-update.html, FROM;
 * https://www.postgresql.org/docs/15/sql-delete.html, USING):
 *
 *   UPDATE "t" AS t SET "c" = s.v0, "n" = t."n" + s.v1 FROM unnest(?::varchar[], ?::text[],
 *     ?::numeric[]) AS s(w0, v0, v1) WHERE t."k" = s.w0
 *
 * One statement text per shape whatever the row count, and as many parameters as the derived
 * table has columns (never rows × columns: the 65,535-parameter limit does not bind here).
 *
 * The same outcome as one statement per row:
 * - a row appears once in a group (fold.ts moves a later change of it to the next round), so the
 *   join never meets a target row twice, and the statement's row count is the rows it changed;
 * - the casts are the columns' types without their modifiers (varchar, numeric, timestamp): an
 *   explicit cast to varchar(n) or numeric(p,s) would cut or round a value silently, where the
 *   assignment to the column rejects it (22001, 22003), as the per-row statement's would;
 * - amounts are numeric: `t."n" + s.v1` is exact, and only the sum is range-checked when stored
 *   (an integer amount beyond the column's range that brings the sum back into it is added);
 * - a version guard is a condition of the join: a stale change matches no row and is counted
 *   as a no-op (runtime/commit/noop.ts), not applied.
 */
import type { ColumnDef } from '../../../compile/plan.js';
import type { SqlValue } from '../../coerce.js';
import type { DeleteRow, SetPart, UpdateRow } from '../../rows.js';
import type { Statement } from '../../statement.js';
import { arrayLiteral } from './array.js';
import { postgresDdl } from './ddl.js';
import { jsonbPath } from './json-path.js';
import { quote as q } from './quote.js';

/** One column of the derived table: its alias, the array's element type, and each row's value. */
interface Column {
  name: string;
  type: string;
  value: (row: UpdateRow | DeleteRow) => SqlValue;
}

/**
 * A column's type without its modifiers, as the per-row statement's parameter would take it:
 * `varchar(8)` → varchar, `numeric(12,2)` → numeric, `timestamp(3)` → timestamp.
 */
export function baseType(def: ColumnDef): string {
  return postgresDdl.types[def.type](def).replace(/\(.*\)$/u, '');
}

/** The rows' changes can be one statement: every column they name has a definition to cast by. */
export function typed(r: UpdateRow | DeleteRow): boolean {
  const defs = r.tableColumns;
  if (defs === undefined || r.where.length === 0) return false;
  const named = r.kind === 'update' ? [...r.where, ...r.set.map((p) => p.column)] : r.where;
  return named.every((c) => defs.some((d) => d.name === c));
}

function derivedColumns(r: UpdateRow | DeleteRow): Column[] {
  const def = (name: string): ColumnDef => r.tableColumns?.find((d) => d.name === name) as ColumnDef;
  const out: Column[] = r.where.map((c, i) => ({ name: `w${i}`, type: baseType(def(c)), value: (x) => x.whereValues[i] ?? null }));
  if (r.kind === 'update') {
    r.set.forEach((p, i) => {
      // Rows of one shape have the same parts in the same modes (bind.ts shape).
      const part = (x: UpdateRow | DeleteRow): SetPart => (x as UpdateRow).set[i] as SetPart;
      if (p.mode === 'replace') {
        // A path a row: text in the array, cast to text[] where jsonb_set takes it (an array of
        // text[] would be one two-dimensional array, which unnest flattens).
        out.push({ name: `p${i}`, type: 'text', value: (x) => { const y = part(x); return y.mode === 'replace' ? jsonbPath(y.path) : null; } });
        // A scalar is a JSON scalar in the document (a string stays a string), as JSON_REPLACE makes it.
        out.push({ name: `v${i}`, type: 'jsonb', value: (x) => { const y = part(x); return y.mode === 'replace' && !y.json ? JSON.stringify(y.value) : y.value; } });
      } else {
        out.push({ name: `v${i}`, type: p.mode === 'add' ? 'numeric' : baseType(def(p.column)), value: (x) => part(x).value });
      }
    });
  }
  // Versions are safe integers (bind.ts versionOf), compared with the guard column whatever its width.
  if (r.guard !== undefined) out.push({ name: 'ver', type: 'bigint', value: (x) => x.version ?? null });
  return out;
}

/** `FROM unnest(…) AS s(…)` (or USING) over `rows`, with its array parameters. */
function derived(rows: ReadonlyArray<UpdateRow | DeleteRow>): { sql: string; params: SqlValue[] } {
  const columns = derivedColumns(rows[0] as UpdateRow | DeleteRow);
  const params = columns.map((c) => arrayLiteral(rows.map(c.value)));
  return { sql: `unnest(${columns.map((c) => `?::${c.type}[]`).join(', ')}) AS s(${columns.map((c) => c.name).join(', ')})`, params };
}

function where(r: UpdateRow | DeleteRow): string {
  const keys = r.where.map((c, i) => `t.${q(c)} = s.w${i}`).join(' AND ');
  return r.guard === undefined ? keys : `${keys} AND t.${q(r.guard)} < s.ver`;
}

function assignment(p: SetPart, i: number): string {
  const col = q(p.column);
  switch (p.mode) {
    case 'set': return `${col} = s.v${i}`;
    case 'add': return `${col} = t.${col} + s.v${i}`;
    // create_missing false: only an element that exists is replaced, as JSON_REPLACE does.
    case 'replace': return `${col} = jsonb_set(t.${col}, s.p${i}::text[], s.v${i}, false)`;
  }
}

export function updateFrom(rows: UpdateRow[]): Statement {
  const r = rows[0] as UpdateRow;
  const d = derived(rows);
  return { sql: `UPDATE ${q(r.table)} AS t SET ${r.set.map(assignment).join(', ')} FROM ${d.sql} WHERE ${where(r)}`, params: d.params };
}

export function deleteUsing(rows: DeleteRow[]): Statement {
  const r = rows[0] as DeleteRow;
  const d = derived(rows);
  return { sql: `DELETE FROM ${q(r.table)} AS t USING ${d.sql} WHERE ${where(r)}`, params: d.params };
}
