/** Table rules: keys and indexes name real, indexable columns; defaults fit their column. */
import type { Diagnostic } from '../diagnostics.js';
import type { ColumnDef, TableDef } from '../compile/plan.js';
import { columnOf, compileTable } from '../compile/table.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import type { TableSpec } from '../spec/types.js';
import { coerceLiteral } from '../sql/coerce.js';
import { isBroken, originalIndex } from './prune.js';
import { checkPlainName } from './values.js';
import { didYouMean, listNames } from './suggest.js';

/**
 * The most a key or index may hold, on every database (one truth: a key one database stores and
 * another refuses would stop only one of them). InnoDB caps an index key at 3072 bytes (utf8mb4
 * is 4 bytes a character); PostgreSQL's B-tree refuses an entry over 2704 bytes (a third of a
 * page) counting its 8-byte header and each column's length word and alignment, and only at
 * insert time, when the value is large and does not compress (error 54000: the group would stop).
 * 2600 bytes of values leaves room for the overhead of 8 string columns.
 */
export const MAX_INDEX_BYTES = 2600;
const RESERVED_PREFIX = 'sc_';

export function checkTable(spec: SpecDocument, name: string, t: TableSpec, out: Diagnostic[]): TableDef {
  const def = compileTable(name, t);
  const at: Segment[] = ['tables', name];
  checkPlainName(spec, at, name, 'a table name', out);
  for (const c of Object.keys(t.columns)) checkPlainName(spec, [...at, 'columns', c], c, 'a column name', out);
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
  // The same columns twice make the same index name: the database would keep one, silently.
  for (const kind of ['unique', 'indexes'] as const) {
    const seen = new Map<string, number>();
    const lists = t[kind] ?? [];
    lists.forEach((cols, i) => {
      const k = JSON.stringify(cols);
      const first = seen.get(k);
      if (first === undefined) seen.set(k, originalIndex(lists, i));
      else out.push(diagnosticAt(spec, [...at, kind, originalIndex(lists, i)], 'E_INDEX_COLUMN', `${kind === 'unique' ? 'unique key' : 'index'} (${cols.join(', ')}) of table ${name} is declared twice (also item ${first}): remove one`));
    });
  }
  checkRowSize(spec, def, at, out);
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

/**
 * MariaDB's row limits, measured on MariaDB 10.11 (InnoDB, DYNAMIC rows, utf8mb4, strict mode):
 * - the server's 65,535 bytes for a row, counting each column at its maximum size (a VARCHAR(n)
 *   4n bytes plus 1 or 2 length bytes, TEXT and JSON 11-12 bytes) plus the NULL bitmap;
 * - InnoDB's 8,126 bytes for what must stay in the page: fixed-size columns, and VARCHARs of at
 *   most 255 bytes (longer ones and TEXT may move off the page and leave a 20-byte pointer);
 * - at most 1017 columns (sc-project allows 1000).
 * Each is error 1118 (or 1005) at CREATE TABLE time, so `ddl --apply` would fail where validate passed.
 */
const MAX_ROW_BYTES = 65_535;
const MAX_IN_PAGE_BYTES = 8_126;
const MAX_COLUMNS = 1000;
/** The record header InnoDB adds in the page (5 bytes in COMPACT and DYNAMIC). */
const RECORD_HEADER = 5;

function checkRowSize(spec: SpecDocument, def: TableDef, at: Segment[], out: Diagnostic[]): void {
  if (def.columns.length > MAX_COLUMNS) {
    out.push(diagnosticAt(spec, [...at, 'columns'], 'E_ROW_SIZE', `table ${def.name} has ${def.columns.length} columns: at most ${MAX_COLUMNS} are allowed (InnoDB's limit is 1017)`, 'key'));
    return;
  }
  const nullBitmap = Math.ceil(def.columns.filter((c) => c.nullable).length / 8);
  let row = nullBitmap;
  let inPage = nullBitmap + RECORD_HEADER;
  for (const c of def.columns) {
    const size = columnBytes(c);
    row += size.row;
    inPage += size.inPage;
  }
  if (row > MAX_ROW_BYTES) {
    out.push(diagnosticAt(spec, [...at, 'columns'], 'E_ROW_SIZE', `a row of table ${def.name} takes up to ${row} bytes, over MariaDB's ${MAX_ROW_BYTES}-byte row limit (error 1118; utf8mb4 strings take 4 bytes a character): shorten string columns or make the long ones text`, 'key'));
  } else if (inPage > MAX_IN_PAGE_BYTES) {
    out.push(diagnosticAt(spec, [...at, 'columns'], 'E_ROW_SIZE', `a row of table ${def.name} keeps about ${inPage} bytes in the InnoDB page, over its ${MAX_IN_PAGE_BYTES}-byte limit (error 1118): fewer columns, or text for some strings`, 'key'));
  }
}

/** Bytes of one column in the row (maximum) and in the page (at least). */
function columnBytes(c: ColumnDef): { row: number; inPage: number } {
  switch (c.type) {
    case 'string': {
      const bytes = (c.length ?? 255) * 4;
      const row = bytes + (bytes > 255 ? 2 : 1);
      return { row, inPage: bytes > 255 ? 22 : row };
    }
    case 'text': return { row: 11, inPage: 22 };
    case 'json': return { row: 12, inPage: 22 };
    case 'int': return { row: 4, inPage: 4 };
    case 'bigint': return { row: 8, inPage: 8 };
    case 'boolean': return { row: 1, inPage: 1 };
    case 'datetime': return { row: 7, inPage: 7 };
    case 'decimal': {
      const bytes = decimalBytes((c.precision ?? 18) - (c.scale ?? 2)) + decimalBytes(c.scale ?? 2);
      return { row: bytes, inPage: bytes };
    }
    default: return { row: 8, inPage: 8 };
  }
}

/** MySQL packs DECIMAL digits nine to four bytes, the rest by this table ("Fixed-Point Types"). */
function decimalBytes(digits: number): number {
  const rest = [0, 1, 1, 2, 2, 3, 3, 4, 4, 4][digits % 9] ?? 4;
  return Math.floor(digits / 9) * 4 + rest;
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
    out.push(diagnosticAt(spec, path, 'E_INDEX_COLUMN', `key of ${bytes} bytes exceeds the ${MAX_INDEX_BYTES}-byte index limit every database can hold (strings take 4 bytes a character: PostgreSQL's B-tree entries stop at 2704 bytes, InnoDB's keys at 3072): shorten the string columns`));
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
