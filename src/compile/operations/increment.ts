/** increment / decrement: counters, possibly on another entity's row; never version-guarded. */
import type { DecrementOpSpec, IncrementOpSpec } from '../../spec/types.js';
import type { EnvelopePaths, IncrementOp, TableDef } from '../plan.js';
import { compileAdd, compileSet, compileWhere } from './assignments.js';

export function compileIncrement(spec: IncrementOpSpec | DecrementOpSpec, table: TableDef, envelope: EnvelopePaths): IncrementOp {
  return {
    kind: 'increment',
    table: table.name,
    where: compileWhere(spec.where, table, envelope),
    add: compileAdd(spec.by),
    sign: 'decrement' in spec ? -1 : 1,
    set: compileSet(spec.set),
    createMissing: spec.create_missing ?? false,
  };
}
