/** One operation spec → its plan Operation, by kind. */
import type { TableOpSpec } from '../../spec/types.js';
import type { EnvelopePaths, Operation, TableDef } from '../plan.js';
import { compileIncrement } from './increment.js';
import { compileInsert, compileLog } from './insert.js';
import { compileDelete, compileUpdate } from './update.js';

export type OperationKeyword = 'insert' | 'update' | 'increment' | 'decrement' | 'log' | 'delete';

/** The kind keyword of an operation spec and the table it names. */
export function operationTarget(spec: TableOpSpec): { keyword: OperationKeyword; table: string } {
  if ('insert' in spec) return { keyword: 'insert', table: spec.insert };
  if ('update' in spec) return { keyword: 'update', table: spec.update };
  if ('increment' in spec) return { keyword: 'increment', table: spec.increment };
  if ('decrement' in spec) return { keyword: 'decrement', table: spec.decrement };
  if ('log' in spec) return { keyword: 'log', table: spec.log };
  return { keyword: 'delete', table: spec.delete };
}

export function compileOperation(spec: TableOpSpec, table: TableDef, envelope: EnvelopePaths): Operation {
  if ('insert' in spec) return compileInsert(spec, table, envelope);
  if ('update' in spec) return compileUpdate(spec, table, envelope);
  if ('increment' in spec || 'decrement' in spec) return compileIncrement(spec, table, envelope);
  if ('log' in spec) return compileLog(spec, table, envelope);
  return compileDelete(spec, table, envelope);
}
