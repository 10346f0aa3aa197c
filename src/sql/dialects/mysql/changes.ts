/**
 * MySQL/MariaDB statements for folded row changes: one multi-row statement per chunk.
 * - inserts: INSERT … VALUES (…),(…) ON DUPLICATE KEY UPDATE. Assignments of a single-table
 *   ON DUPLICATE KEY UPDATE run left to right and see earlier assignments
 *   (https://dev.mysql.com/doc/refman/8.0/en/insert-on-duplicate.html), so the version column
 *   of a guarded upsert is assigned last and every other column compares against the old one.
 * - updates, increments, deletes: a join with a derived table of the rows' values
 *   (SELECT ? AS … UNION ALL SELECT …), so one statement changes many rows and never creates one.
 */
import type { SqlValue } from '../../coerce.js';
import { chunks, type StatementGroup } from '../../fold.js';
import { MAX_ROWS_PER_STATEMENT, type ChangeBuilder, type Statement } from '../../statement.js';
import type { DeleteRow, InsertRow, SetPart, UpdateRow } from '../../rows.js';
import { quote as q } from './quote.js';
import { addNumeric, type Numeric } from '../../numeric.js';


export const mysqlChanges: ChangeBuilder = {
  build(group: StatementGroup): Statement[] {
    const first = group.rows[0];
    if (first === undefined) return [];
    return chunks(group.rows, MAX_ROWS_PER_STATEMENT).map((rows) => {
      switch (first.kind) {
        case 'insert': return insert(rows as InsertRow[]);
        case 'update': return first.upsert ? upsertCounters(rows as UpdateRow[]) : update(rows as UpdateRow[]);
        case 'delete': return remove(rows as DeleteRow[]);
      }
    });
  },
};

/** `n` copies of `tuple` separated by commas, in one string operation. */
const tuples = (tuple: string, n: number): string => (n <= 0 ? '' : tuple + `,${tuple}`.repeat(n - 1));

function insert(rows: InsertRow[]): Statement {
  const r = rows[0] as InsertRow;
  const tuple = `(${r.columns.map(() => '?').join(',')})`;
  // One array of the final size, filled in place (flatMap builds an array per row).
  const width = r.columns.length;
  const params: SqlValue[] = new Array<SqlValue>(rows.length * width);
  let at = 0;
  for (const x of rows) for (let i = 0; i < width; i++) params[at++] = x.values[i] ?? null;
  const g = r.guard;
  let onDup: string;
  if (r.update.length === 0) {
    // A no-op assignment instead of INSERT IGNORE: IGNORE would also turn data errors into warnings.
    onDup = `${q(r.key[0] as string)} = ${q(r.key[0] as string)}`;
  } else {
    const cols = g === undefined ? r.update : [...r.update.filter((c) => c !== g), g];
    onDup = cols.map((c) => g === undefined
      ? `${q(c)} = VALUES(${q(c)})`
      : `${q(c)} = IF(VALUES(${q(g)}) > ${q(g)}, VALUES(${q(c)}), ${q(c)})`).join(', ');
  }
  const sql = `INSERT INTO ${q(r.table)} (${r.columns.map(q).join(',')}) VALUES ${tuples(tuple, rows.length)} ON DUPLICATE KEY UPDATE ${onDup}`;
  return { sql, params };
}

/** Columns of the derived table: w0.. for where values, v0.. and p0.. for set parts, ver for the version. */
function derived(rows: Array<UpdateRow | DeleteRow>): { sql: string; params: SqlValue[] } {
  const r = rows[0] as UpdateRow | DeleteRow;
  const names = [...r.where.map((_, i) => `w${i}`)];
  const parts = r.kind === 'update' ? r.set : [];
  parts.forEach((p, i) => {
    if (p.mode === 'replace') names.push(`p${i}`);
    names.push(`v${i}`);
  });
  if (r.guard !== undefined) names.push('ver');
  const params: SqlValue[] = [];
  for (const x of rows) {
    params.push(...x.whereValues);
    if (x.kind === 'update') {
      for (const p of x.set) {
        if (p.mode === 'replace') params.push(p.path);
        params.push(p.value);
      }
    }
    if (r.guard !== undefined) params.push(x.version ?? null);
  }
  const firstSelect = `SELECT ${names.map((n) => `? AS ${n}`).join(', ')}`;
  const rest = `SELECT ${names.map(() => '?').join(', ')}`;
  return { sql: [firstSelect, ...rows.slice(1).map(() => rest)].join(' UNION ALL '), params };
}

function joinOn(r: UpdateRow | DeleteRow): string {
  return r.where.map((c, i) => `t.${q(c)} = s.w${i}`).join(' AND ');
}

function assignment(p: SetPart, i: number): string {
  const col = `t.${q(p.column)}`;
  switch (p.mode) {
    case 'set': return `${col} = s.v${i}`;
    case 'add': return `${col} = ${col} + ${exactAmount(`s.v${i}`, p.numeric)}`;
    // A JSON value travels as text; JSON_EXTRACT turns it back into a document, not a string.
    case 'replace': return `${col} = JSON_REPLACE(${col}, s.p${i}, ${p.json ? `JSON_EXTRACT(s.v${i}, '$')` : `s.v${i}`})`;
  }
}

/**
 * An amount as an exact number in SQL. The derived table's values arrive as text or as literals;
 * text + DECIMAL would be DOUBLE arithmetic (https://mariadb.com/kb/en/type-conversion/), so the
 * amount is cast to a DECIMAL wide enough for it: the sum is exact and only its store into the
 * column is range-checked (error 1264), as for any stored value.
 */
function exactAmount(expr: string, n: Numeric): string {
  return `CAST(${expr} AS DECIMAL(65,${n.type === 'decimal' ? n.scale : 0}))`;
}

/** A column default as a SQL literal: coerce() made it an integer or a plain decimal's text. */
function numericLiteral(v: SqlValue): string {
  const text = String(v ?? 0);
  if (!/^-?\d+(?:\.\d+)?$/u.test(text)) throw new Error(`not a numeric literal: ${text}`);
  return text;
}

function update(rows: UpdateRow[]): Statement {
  const r = rows[0] as UpdateRow;
  const d = derived(rows);
  const guard = r.guard === undefined ? '' : ` WHERE t.${q(r.guard)} < s.ver`;
  const sql = `UPDATE ${q(r.table)} AS t JOIN (${d.sql}) AS s ON ${joinOn(r)} SET ${r.set.map(assignment).join(', ')}${guard}`;
  return { sql, params: d.params };
}

/** Increments with create_missing: the stub row gets its default plus the amount; an existing row adds the amount. */
function upsertCounters(rows: UpdateRow[]): Statement {
  const r = rows[0] as UpdateRow;
  const columns = [...r.where, ...r.set.map((p) => p.column)];
  const tuple = `(${columns.map(() => '?').join(',')})`;
  const params: SqlValue[] = [];
  for (const x of rows) {
    params.push(...x.whereValues);
    // The stub's value is computed exactly here; out of range it throws, as MariaDB would reject it.
    for (const p of x.set) params.push(p.mode === 'add' ? addNumeric(p.numeric, p.base, p.value) : p.value);
  }
  // VALUES(col) is the stub, exact in the column's type, so VALUES(col) - base is the amount.
  const onDup = r.set.map((p) => p.mode === 'add'
    ? `${q(p.column)} = ${q(p.column)} + (VALUES(${q(p.column)}) - ${numericLiteral(p.base)})`
    : `${q(p.column)} = VALUES(${q(p.column)})`).join(', ');
  return { sql: `INSERT INTO ${q(r.table)} (${columns.map(q).join(',')}) VALUES ${tuples(tuple, rows.length)} ON DUPLICATE KEY UPDATE ${onDup}`, params };
}

function remove(rows: DeleteRow[]): Statement {
  const r = rows[0] as DeleteRow;
  const d = derived(rows);
  const guard = r.guard === undefined ? '' : ` WHERE t.${q(r.guard)} < s.ver`;
  return { sql: `DELETE t FROM ${q(r.table)} AS t JOIN (${d.sql}) AS s ON ${joinOn(r)}${guard}`, params: d.params };
}
