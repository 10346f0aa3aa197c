/** insert (and log, which is an insert of the event into a log table). */
import type { InsertOpSpec, LogOpSpec } from '../../spec/types.js';
import type { EnvelopePaths, InsertOp, TableDef } from '../plan.js';
import { compileSet, eventPath, guardOf, versionSource } from './assignments.js';
import { parsePathRef } from '../value.js';

export function compileInsert(spec: InsertOpSpec, table: TableDef, envelope: EnvelopePaths): InsertOp {
  const values = compileSet(spec.set);
  const guard = guardOf(table, spec.guard);
  const source = versionSource(spec, envelope);
  if (guard !== undefined && !values.some((v) => v.column === guard)) {
    values.push({ mode: 'set', column: guard, value: source.expr });
  }
  const op: InsertOp = { kind: 'insert', table: table.name, values, onConflict: { action: 'ignore' } };
  const conflict = spec.on_conflict ?? 'ignore';
  if (conflict !== 'ignore') {
    const columns = conflict === 'update'
      ? values.map((v) => v.column).filter((c) => !table.key.includes(c))
      : [...conflict.update];
    if (guard !== undefined && !columns.includes(guard)) columns.push(guard);
    op.onConflict = { action: 'update', columns };
  }
  if (guard !== undefined) op.guard = guard;
  if (guard !== undefined && source.version !== undefined) op.version = source.version;
  if (spec.for_each !== undefined) {
    const ref = parsePathRef(spec.for_each);
    if ('root' in ref) op.forEach = { root: ref.root, path: ref.path };
  }
  return op;
}

export function compileLog(spec: LogOpSpec, table: TableDef, envelope: EnvelopePaths): InsertOp {
  const declared = compileSet(spec.set);
  const given = new Set(declared.map((v) => v.column));
  const implicit = [
    { mode: 'set' as const, column: 'event_id', value: eventPath(envelope.id) },
    { mode: 'set' as const, column: 'event_type', value: eventPath(envelope.type) },
    { mode: 'set' as const, column: 'event_timestamp', value: eventPath(envelope.time) },
    { mode: 'set' as const, column: 'event_data', value: { kind: 'json' as const, value: eventPath(envelope.data) } },
  ].filter((a) => !given.has(a.column));
  return { kind: 'insert', table: table.name, values: [...implicit, ...declared], onConflict: { action: 'ignore' }, log: true };
}
