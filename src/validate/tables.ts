/** Table rules: keys and indexes name real, indexable columns; defaults fit their column. */
import type { Diagnostic } from '../diagnostics.js';
import type { ColumnDef, TableDef } from '../compile/plan.js';
import { columnOf, compileTable } from '../compile/table.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import type { TableSpec } from '../spec/types.js';
import { coerceLiteral } from '../sql/coerce.js';
import { isBroken, originalIndex } from './prune.js';
import { didYouMean, listNames } from './suggest.js';

/** InnoDB's index key limit with DYNAMIC rows (MySQL manual, "InnoDB Limits"): 3072 bytes; utf8mb4 is 4 bytes a character. */
const MAX_INDEX_BYTES = 3072;
const RESERVED_PREFIX = 'sc_';

export function checkTable(spec: SpecDocument, name: string, t: TableSpec, out: Diagnostic[]): TableDef {
  const def = compileTable(name, t);
  const at: Segment[] = ['tables', name];
  if (name.startsWith(RESERVED_PREFIX)) {
    out.push(diagnosticAt(spec, at, 'E_RESERVED_NAME', `table names starting with ${RESERVED_PREFIX} are reserved for the engine's own tables`, 'key'));
  }
  if (def.key.length === 0 && !isBroken(spec, [...at, 'key'])) {
    out.push(diagnosticAt(spec, at, 'E_NO_KEY', `table ${name} has no key: add key: [columns] (a log table's key defaults to event_id)`, 'key'));
  }
  checkColumnList(spec, def, [...at, 'key'], def.key, t.key !== undefined, out);
  for (const k of def.key) {
    const c = columnOf(def, k);
    if (c?.nullable) out.push(diagnosticAt(spec, [...at, 'columns', k, 'nullable'], 'E_NULLABLE_KEY', `key column ${k} of table ${name} is nullable: a key column must be NOT NULL`));
  }
  (t.unique ?? []).forEach((cols, i) => checkColumnList(spec, def, [...at, 'unique', originalIndex(t.unique ?? [], i)], cols, true, out));
  (t.indexes ?? []).forEach((cols, i) => checkColumnList(spec, def, [...at, 'indexes', originalIndex(t.indexes ?? [], i)], cols, true, out));
  if (t.version !== undefined) {
    const v = columnOf(def, t.version);
    if (v !== undefined && v.type !== 'int' && v.type !== 'bigint') {
      out.push(diagnosticAt(spec, [...at, 'version'], 'E_VERSION_TYPE', `version column ${t.version} is ${v.type}: expected int or bigint`));
    } else if (v?.nullable) {
      // The guard is `stored < event`; with a NULL stored version it is never true, so no guarded write would apply.
      out.push(diagnosticAt(spec, [...at, 'version'], 'E_VERSION_TYPE', `version column ${t.version} is nullable: expected a NOT NULL int or bigint (default 0)`));
    }
  }
  for (const c of def.columns) {
    // MySQL rejects DECIMAL(M,D) with D > M (ER_M_BIGGER_THAN_D).
    if (c.type === 'decimal' && (c.scale ?? 0) > (c.precision ?? 0)) {
      out.push(diagnosticAt(spec, [...at, 'columns', c.name, 'scale'], 'E_RANGE', `scale ${String(c.scale)} of decimal column ${c.name} is greater than its precision ${String(c.precision)}: expected scale <= precision`));
    }
    if (c.default === null && !c.nullable) {
      out.push(diagnosticAt(spec, [...at, 'columns', c.name, 'default'], 'E_LITERAL_TYPE', `column ${c.name} is NOT NULL: default null is not allowed (add nullable: true)`));
    }
    if (c.default === undefined || c.default === null) continue;
    const problem = coerceLiteral(c, c.default);
    if (problem !== null) out.push(diagnosticAt(spec, [...at, 'columns', c.name, 'default'], 'E_LITERAL_TYPE', problem));
  }
  return def;
}

function checkColumnList(spec: SpecDocument, def: TableDef, path: Segment[], cols: string[], declared: boolean, out: Diagnostic[]): void {
  let bytes = 0;
  cols.forEach((name, i) => {
    const c = columnOf(def, name);
    const where = declared ? [...path, originalIndex(cols, i)] : path.slice(0, -1);
    if (c === undefined) {
      if (isBroken(spec, ['tables', def.name, 'columns', name])) return;
      const names = def.columns.map((x) => x.name);
      out.push(diagnosticAt(spec, where, 'E_UNKNOWN_COLUMN', `unknown column ${name} in table ${def.name}${didYouMean(name, names)}; columns: ${listNames(names)}`, declared ? 'value' : 'key'));
      return;
    }
    if (c.type === 'text' || c.type === 'json') {
      out.push(diagnosticAt(spec, where, 'E_INDEX_COLUMN', `column ${name} is ${c.type} and cannot be part of a key or index: use string with a length`));
    }
    bytes += indexBytes(c);
  });
  if (bytes > MAX_INDEX_BYTES) {
    out.push(diagnosticAt(spec, path, 'E_INDEX_COLUMN', `key of ${bytes} bytes exceeds MySQL's ${MAX_INDEX_BYTES}-byte index limit (utf8mb4 strings take 4 bytes a character): shorten the string columns`));
  }
}

function indexBytes(c: ColumnDef): number {
  switch (c.type) {
    case 'string': return (c.length ?? 255) * 4;
    case 'int': return 4;
    case 'boolean': return 1;
    case 'decimal': return Math.ceil((c.precision ?? 18) / 2);
    default: return 8;
  }
}
