/** update and delete: they touch an existing row only (no phantom rows). */
import type { DeleteOpSpec, UpdateOpSpec } from '../../spec/types.js';
import type { DeleteOp, EnvelopePaths, TableDef, UpdateOp } from '../plan.js';
import { compileSet, compileWhere, guardOf, versionSource } from './assignments.js';

export function compileUpdate(spec: UpdateOpSpec, table: TableDef, envelope: EnvelopePaths): UpdateOp {
  const set = compileSet(spec.set);
  const guard = guardOf(table, spec.guard);
  const op: UpdateOp = { kind: 'update', table: table.name, where: compileWhere(spec.where, table, envelope), set };
  if (guard !== undefined) {
    const source = versionSource(spec, envelope);
    if (!set.some((a) => a.column === guard)) set.push({ mode: 'set', column: guard, value: source.expr });
    op.guard = guard;
    if (source.version !== undefined) op.version = source.version;
  }
  return op;
}

export function compileDelete(spec: DeleteOpSpec, table: TableDef, envelope: EnvelopePaths): DeleteOp {
  const op: DeleteOp = { kind: 'delete', table: table.name, where: compileWhere(spec.where, table, envelope) };
  const guard = guardOf(table, spec.guard);
  if (guard !== undefined) op.guard = guard;
  const { version } = versionSource(spec, envelope);
  if (guard !== undefined && version !== undefined) op.version = version;
  return op;
}
