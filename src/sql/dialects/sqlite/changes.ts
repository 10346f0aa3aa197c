/**
 * SQLite statements for row changes: one statement per row, with the same text for every row of
 * a shape so the sink prepares it once. In-process SQLite has no round trip to save, so folding
 * here only keeps the sequencing; the semantics match the MySQL builder's.
 * Upserts use ON CONFLICT … DO UPDATE … WHERE (https://sqlite.org/lang_upsert.html), whose
 * assignments all read the old row, so the version guard is a plain WHERE.
 */
import type { SqlValue } from '../../coerce.js';
import type { StatementGroup } from '../../fold.js';
import type { ChangeBuilder, Statement } from '../../statement.js';
import type { DeleteRow, InsertRow, SetPart, UpdateRow } from '../../rows.js';
import { quote as q } from './quote.js';
import { rowByRow } from '../row-by-row.js';
import { scAdd } from './functions.js';

export const sqliteChanges: ChangeBuilder = {
  build(group: StatementGroup): Statement[] {
    return group.rows.map((row) => {
      switch (row.kind) {
        case 'insert': return insert(row);
        case 'update': return row.upsert ? upsertCounters(row) : update(row);
        case 'delete': return remove(row);
      }
    });
  },
};

function insert(r: InsertRow): Statement {
  const head = `INSERT INTO ${q(r.table)} (${r.columns.map(q).join(',')}) VALUES (${r.columns.map(() => '?').join(',')})`;
  if (r.update.length === 0) return { sql: `${head} ON CONFLICT DO NOTHING`, params: r.values };
  const set = r.update.map((c) => `${q(c)} = excluded.${q(c)}`).join(', ');
  const guard = r.guard === undefined ? '' : ` WHERE excluded.${q(r.guard)} > ${q(r.table)}.${q(r.guard)}`;
  return { sql: `${head} ON CONFLICT (${r.key.map(q).join(',')}) DO UPDATE SET ${set}${guard}`, params: r.values };
}

function assignment(p: SetPart): string {
  switch (p.mode) {
    case 'set': return `${q(p.column)} = ?`;
    case 'add': return `${q(p.column)} = ${scAdd(q(p.column), '?', p.numeric)}`;
    case 'replace': return `${q(p.column)} = json_replace(${q(p.column)}, ?, ${p.json ? 'json(?)' : '?'})`;
  }
}

function setParams(parts: SetPart[]): SqlValue[] {
  return parts.flatMap((p) => (p.mode === 'replace' ? [p.path, p.value] : [p.value]));
}

/**
 * The stub row starts at base + amount, computed by sc_add (range-checked like any sum), and an
 * existing row adds the amount; excluded.col is not used, as it would be the stub.
 */
function upsertCounters(r: UpdateRow): Statement {
  const columns = [...r.where, ...r.set.map((p) => p.column)];
  const values = [...r.where.map(() => '?'), ...r.set.map((p) => (p.mode === 'add' ? scAdd('?', '?', p.numeric) : '?'))];
  const params = [...r.whereValues, ...r.set.flatMap((p) => (p.mode === 'add' ? [p.base, p.value] : [p.value]))];
  const set = r.set.map((p) => p.mode === 'add' ? `${q(p.column)} = ${scAdd(q(p.column), '?', p.numeric)}` : `${q(p.column)} = excluded.${q(p.column)}`).join(', ');
  params.push(...r.set.filter((p) => p.mode === 'add').map((p) => p.value));
  return {
    sql: `INSERT INTO ${q(r.table)} (${columns.map(q).join(',')}) VALUES (${values.join(',')}) ON CONFLICT (${r.where.map(q).join(',')}) DO UPDATE SET ${set}`,
    params,
  };
}

/** Updates and deletes: one statement per row (row-by-row.ts), with this dialect's assignments. */
const { update, remove } = rowByRow(q, assignment, setParams);
