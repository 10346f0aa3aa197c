/**
 * PostgreSQL statements for folded row changes, with `?` placeholders (the sink numbers them).
 * - inserts and counter upserts: one multi-row INSERT … ON CONFLICT (key) DO UPDATE per chunk
 *   (https://www.postgresql.org/docs/15/sql-insert.html#SQL-ON-CONFLICT). Its assignments all
 *   read the existing row, so a version guard is a WHERE, as on SQLite. It cannot touch one row
 *   twice (21000 "cannot affect row a second time"): fold.ts never puts two changes of one row
 *   in one group, as it merges them or moves the later one to the next round.
 * - updates and deletes: one UPDATE … FROM unnest / DELETE … USING unnest per chunk, each
 *   column's values one array cast to the column's type (update-from.ts). Rows without their
 *   table's column definitions have no types to cast by: one statement per row, whose
 *   placeholders take their types from the comparison or assignment they are in.
 */
import type { ColumnDef } from '../../../compile/plan.js';
import type { SqlValue } from '../../coerce.js';
import { chunks, type StatementGroup } from '../../fold.js';
import { MAX_ROWS_PER_STATEMENT, type ChangeBuilder, type Statement } from '../../statement.js';
import type { DeleteRow, InsertRow, SetPart, UpdateRow } from '../../rows.js';
import { quote as q } from './quote.js';
import { rowByRow } from '../row-by-row.js';
import { addNumeric } from '../../numeric.js';
import { jsonbPath } from './json-path.js';
import { postgresDdl } from './ddl.js';
import { arrayLiteral } from './array.js';
import { deleteUsing, typed, updateFrom } from './update-from.js';

/** A statement binds at most 65,535 parameters (the protocol's Int16 count, https://www.postgresql.org/docs/15/protocol-message-formats.html). */
export const MAX_PARAMETERS = 65_535;

/** Rows of `width` parameters each that fit one statement. */
export function rowsPerStatement(width: number): number {
  return Math.max(1, Math.min(MAX_ROWS_PER_STATEMENT, Math.floor(MAX_PARAMETERS / Math.max(1, width))));
}

export const postgresChanges: ChangeBuilder = {
  build(group: StatementGroup): Statement[] {
    const first = group.rows[0];
    if (first === undefined) return [];
    switch (first.kind) {
      case 'insert': return chunks(group.rows as InsertRow[], rowsPerStatement(first.columns.length)).map(insert);
      case 'update':
        if (first.upsert) return chunks(group.rows as UpdateRow[], rowsPerStatement(first.where.length + first.set.length)).map(upsertCounters);
        if (!typed(first)) return (group.rows as UpdateRow[]).map(update);
        // As many parameters as the derived table has columns, whatever the row count.
        return chunks(group.rows as UpdateRow[], MAX_ROWS_PER_STATEMENT).map(updateFrom);
      case 'delete':
        if (!typed(first)) return (group.rows as DeleteRow[]).map(remove);
        return chunks(group.rows as DeleteRow[], MAX_ROWS_PER_STATEMENT).map(deleteUsing);
    }
  },
};

/** `n` tuples of `width` placeholders. */
function tuples(n: number, width: number): string {
  const tuple = `(${'?,'.repeat(width - 1)}?)`;
  return n <= 0 ? '' : tuple + `,${tuple}`.repeat(n - 1);
}

function insert(rows: InsertRow[]): Statement {
  const r = rows[0] as InsertRow;
  const width = r.columns.length;
  const { head, params } = r.defs?.length === width ? unnest(rows, r.defs) : values(rows, width);
  // DO NOTHING skips only the conflict on a key; a value that does not fit still fails.
  if (r.update.length === 0) return { sql: `${head} ON CONFLICT DO NOTHING`, params };
  const set = r.update.map((c) => `${q(c)} = EXCLUDED.${q(c)}`).join(', ');
  const guard = r.guard === undefined ? '' : ` WHERE EXCLUDED.${q(r.guard)} > ${q(r.table)}.${q(r.guard)}`;
  return { sql: `${head} ON CONFLICT (${r.key.map(q).join(',')}) DO UPDATE SET ${set}${guard}`, params };
}

/** `VALUES (?,…),(?,…)`: a parameter a cell (what rows without column definitions take). */
function values(rows: InsertRow[], width: number): { head: string; params: SqlValue[] } {
  const r = rows[0] as InsertRow;
  const params: SqlValue[] = new Array<SqlValue>(rows.length * width);
  let at = 0;
  for (const x of rows) for (let i = 0; i < width; i++) params[at++] = x.values[i] ?? null;
  return { head: `INSERT INTO ${q(r.table)} (${r.columns.map(q).join(',')}) VALUES ${tuples(rows.length, width)}`, params };
}

/**
 * `SELECT * FROM unnest(?::type[], …)`: one array parameter a column, cast to the column's type.
 * The server parses one statement text per shape whatever the row count, and the driver sends
 * width arrays instead of rows × width values: measured 68–106k upserted rows/s against 42–64k
 * for VALUES on this machine (issue 20's note). The cast is the column's DDL type (ddl.ts), so a
 * value that does not fit fails as it would in VALUES (22001, 22003: a data error).
 */
function unnest(rows: InsertRow[], defs: readonly ColumnDef[]): { head: string; params: SqlValue[] } {
  const r = rows[0] as InsertRow;
  const params = defs.map((_, i) => arrayLiteral(rows.map((x) => x.values[i] ?? null)));
  const casts = defs.map((d) => `?::${postgresDdl.types[d.type](d)}[]`).join(', ');
  return { head: `INSERT INTO ${q(r.table)} (${r.columns.map(q).join(',')}) SELECT * FROM unnest(${casts})`, params };
}

function assignment(p: SetPart): string {
  const col = q(p.column);
  switch (p.mode) {
    case 'set': return `${col} = ?`;
    // The amount takes the column's type (integer, bigint, numeric(p,s)): exact, and a sum out of
    // its range fails with 22003 (a data error), as MariaDB's 1264.
    case 'add': return `${col} = ${col} + ?`;
    // create_missing false: only an element that exists is replaced, as JSON_REPLACE does.
    case 'replace': return `${col} = jsonb_set(${col}, ?::text[], ?::jsonb, false)`;
  }
}

function setParams(parts: SetPart[]): SqlValue[] {
  const out: SqlValue[] = [];
  for (const p of parts) {
    if (p.mode !== 'replace') {
      out.push(p.value);
      continue;
    }
    out.push(jsonbPath(p.path));
    // A scalar is a JSON scalar in the document (a string stays a string), as JSON_REPLACE makes it.
    out.push(p.json ? p.value : JSON.stringify(p.value));
  }
  return out;
}

/**
 * Increments with create_missing: the stub row's values are computed exactly here (out of range
 * it throws, as the database would reject it); an existing row adds EXCLUDED.c - base, the amount.
 */
function upsertCounters(rows: UpdateRow[]): Statement {
  const r = rows[0] as UpdateRow;
  const columns = [...r.where, ...r.set.map((p) => p.column)];
  const params: SqlValue[] = [];
  for (const x of rows) {
    params.push(...x.whereValues);
    for (const p of x.set) params.push(p.mode === 'add' ? addNumeric(p.numeric, p.base, p.value) : p.value);
  }
  const t = q(r.table);
  const set = r.set.map((p) => p.mode === 'add'
    ? `${q(p.column)} = ${t}.${q(p.column)} + (EXCLUDED.${q(p.column)} - ${numericLiteral(p.base)})`
    : `${q(p.column)} = EXCLUDED.${q(p.column)}`).join(', ');
  return { sql: `INSERT INTO ${t} (${columns.map(q).join(',')}) VALUES ${tuples(rows.length, columns.length)} ON CONFLICT (${r.where.map(q).join(',')}) DO UPDATE SET ${set}`, params };
}

/** A column default as a SQL literal: coerce() made it an integer or a plain decimal's text. */
function numericLiteral(v: SqlValue): string {
  const text = String(v ?? 0);
  if (!/^-?\d+(?:\.\d+)?$/u.test(text)) throw new Error(`not a numeric literal: ${text}`);
  return text;
}

/** Updates and deletes without column definitions: one statement per row (row-by-row.ts), with this dialect's assignments. */
const { update, remove } = rowByRow(q, assignment, setParams);
