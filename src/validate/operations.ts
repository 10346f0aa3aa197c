/** Operation rules: tables and columns exist, rows are found by key, inserts fill NOT NULL columns. */
import type { Diagnostic } from '../diagnostics.js';
import type { TableDef } from '../compile/plan.js';
import { columnOf } from '../compile/table.js';
import { operationTarget } from '../compile/operations/index.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import type { Assignments, TableOpSpec } from '../spec/types.js';
import { isBroken, originalIndex } from './prune.js';
import { didYouMean, listNames } from './suggest.js';
import { checkPathText, checkValue } from './values.js';

export function checkOperation(spec: SpecDocument, tables: Map<string, TableDef>, path: Segment[], op: TableOpSpec, out: Diagnostic[]): void {
  const { keyword, table: tableName } = operationTarget(op);
  const table = tables.get(tableName);
  if (table === undefined) {
    // A table the schema rejected is reported there; saying it is unknown here would be noise.
    if (isBroken(spec, ['tables', tableName])) return;
    const names = [...tables.keys()];
    out.push(diagnosticAt(spec, [...path, keyword], 'E_UNKNOWN_TABLE', `unknown table ${tableName}${didYouMean(tableName, names)}; this projection declares: ${listNames(names)}`));
    return;
  }
  let columnNames: string[] | undefined;
  const unknownColumn = (col: string): string | undefined => {
    if (isBroken(spec, ['tables', table.name, 'columns', col])) return undefined;
    const names = (columnNames ??= table.columns.map((c) => c.name));
    return `unknown column ${col} in table ${table.name}${didYouMean(col, names)}; columns: ${listNames(names)}`;
  };
  const assign = (key: string, a: Assignments | undefined, opts: { inLoop?: boolean; keep?: boolean; replace?: boolean } = {}) => {
    for (const [col, v] of Object.entries(a ?? {})) {
      const column = columnOf(table, col);
      if (column === undefined) {
        const problem = unknownColumn(col);
        if (problem !== undefined) out.push(diagnosticAt(spec, [...path, key, col], 'E_UNKNOWN_COLUMN', problem, 'key'));
        continue;
      }
      checkValue({ spec, inLoop: opts.inLoop ?? false, column, keepAllowed: opts.keep ?? false, replaceAllowed: opts.replace ?? false }, [...path, key, col], v, out);
    }
  };
  const guardCheck = (guard: boolean | undefined) => {
    if (guard === true && table.version === undefined) {
      out.push(diagnosticAt(spec, [...path, 'guard'], 'E_GUARD_WITHOUT_VERSION', `guard: true needs a version column on table ${table.name} (add version: entity_version)`));
    }
  };
  const appendOnly = () => {
    if (table.log) out.push(diagnosticAt(spec, [...path, keyword], 'E_LOG_TABLE_WRITE', `table ${table.name} is a log table (append-only): use log or insert`));
  };

  if ('log' in op) {
    if (!table.log) out.push(diagnosticAt(spec, [...path, 'log'], 'E_NOT_LOG_TABLE', `table ${table.name} is not a log table: add log: true to it, or use insert`));
    assign('set', op.set);
  } else if ('insert' in op) {
    if (op.for_each !== undefined) checkPathText({ spec, inLoop: false, keepAllowed: false, replaceAllowed: false }, [...path, 'for_each'], op.for_each, out, 'path');
    assign('set', op.set, { inLoop: op.for_each !== undefined });
    guardCheck(op.guard);
    const given = new Set(Object.keys(op.set));
    // A guarded insert gets the version column from the envelope (compile/operations/insert.ts).
    if (op.guard !== false && table.version !== undefined) given.add(table.version);
    // A plain insert into a log table gets no envelope columns (only `log` fills them), so they count too.
    const missing = table.columns.filter((c) => !c.nullable && c.default === undefined && !given.has(c.name));
    if (missing.length > 0) {
      out.push(diagnosticAt(spec, [...path, 'set'], 'E_MISSING_VALUE', `insert into ${table.name} does not set NOT NULL column(s) ${missing.map((c) => c.name).join(', ')}: set them, give them a default, or make them nullable`, 'key'));
    }
    const conflict = op.on_conflict;
    if (typeof conflict === 'object') {
      conflict.update.forEach((col, j) => {
        const i = originalIndex(conflict.update, j);
        if (columnOf(table, col) === undefined) {
          const problem = unknownColumn(col);
          if (problem !== undefined) out.push(diagnosticAt(spec, [...path, 'on_conflict', 'update', i], 'E_UNKNOWN_COLUMN', problem));
        } else if (table.key.includes(col)) out.push(diagnosticAt(spec, [...path, 'on_conflict', 'update', i], 'E_KEY_ASSIGNMENT', `${col} is a key column of ${table.name}: an upsert cannot change it`));
        else if (!given.has(col)) out.push(diagnosticAt(spec, [...path, 'on_conflict', 'update', i], 'E_MISSING_VALUE', `on_conflict updates ${col}, but set gives it no value`));
      });
    }
  } else if ('update' in op) {
    appendOnly();
    checkWhere(spec, table, path, op.where, out);
    assign('where', op.where);
    assign('set', op.set, { keep: true, replace: true });
    for (const col of Object.keys(op.set)) {
      if (table.key.includes(col)) out.push(diagnosticAt(spec, [...path, 'set', col], 'E_KEY_ASSIGNMENT', `${col} is a key column of ${table.name}: an update cannot change it`, 'key'));
    }
    guardCheck(op.guard);
  } else if ('delete' in op) {
    appendOnly();
    checkWhere(spec, table, path, op.where, out);
    assign('where', op.where);
    guardCheck(op.guard);
  } else {
    appendOnly();
    checkWhere(spec, table, path, op.where, out);
    assign('where', op.where);
    assign('by', op.by);
    assign('set', op.set, { keep: true });
    for (const [key, cols] of [['by', Object.keys(op.by)], ['set', Object.keys(op.set ?? {})]] as const) {
      for (const col of cols) {
        if (table.key.includes(col)) out.push(diagnosticAt(spec, [...path, key, col], 'E_KEY_ASSIGNMENT', `${col} is a key column of ${table.name}: ${keyword} cannot change it`, 'key'));
      }
    }
    for (const col of Object.keys(op.by)) {
      const c = columnOf(table, col);
      if (c !== undefined && c.type !== 'int' && c.type !== 'bigint' && c.type !== 'decimal') {
        out.push(diagnosticAt(spec, [...path, 'by', col], 'E_INCREMENT_TYPE', `cannot ${keyword} ${col}: it is ${c.type}, expected int, bigint or decimal`, 'key'));
      }
    }
    if (op.create_missing === true) {
      const given = new Set([...Object.keys(op.where ?? { [table.key[0] ?? '']: null }), ...Object.keys(op.by), ...Object.keys(op.set ?? {})]);
      const missing = table.columns.filter((c) => !c.nullable && c.default === undefined && !given.has(c.name));
      if (missing.length > 0) {
        out.push(diagnosticAt(spec, [...path, 'create_missing'], 'E_STUB_NOT_NULL', `create_missing makes a row with only its key and counters, but ${missing.map((c) => c.name).join(', ')} of ${table.name} are NOT NULL without a default`));
      }
    }
  }
}

/** A row is found by its key or a unique key, so that one event touches one row. */
function checkWhere(spec: SpecDocument, table: TableDef, path: Segment[], where: Assignments | undefined, out: Diagnostic[]): void {
  if (table.key.length === 0) return; // E_NO_KEY says it
  if (where === undefined) {
    if (table.key.length !== 1) {
      out.push(diagnosticAt(spec, path, 'E_WHERE_KEY', `table ${table.name} has a ${table.key.length}-column key: say where: { ${table.key.join(', ')} }`));
    }
    return;
  }
  // An unknown column is reported as such; saying the where is not a key as well would be noise.
  if (Object.keys(where).some((c) => columnOf(table, c) === undefined)) return;
  const cols = Object.keys(where).sort().join(',');
  const keys = [table.key, ...table.unique].map((k) => [...k].sort().join(','));
  if (!keys.includes(cols)) {
    out.push(diagnosticAt(spec, [...path, 'where'], 'E_WHERE_KEY', `where must name exactly the key (${table.key.join(', ')})${table.unique.length ? ' or a unique key' : ''} of ${table.name}, got ${Object.keys(where).join(', ')}`, 'key'));
  }
}
