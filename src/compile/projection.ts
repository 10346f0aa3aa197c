/** Validated projection specs → the Plan. Trusts its input: validate first. */
import type { OperationSpec, ProjectionSpec } from '../spec/types.js';
import { compileOperation, operationTarget } from './operations/index.js';
import { compileAppend, compileOutput, isAppendOp, isTableOp } from './output.js';
import { DEFAULT_ENVELOPE, type AppendOp, type CompiledProjection, type ConsumerGroupPlan, type OutputDef, type Plan, type SourceRef, type TableDef } from './plan.js';
import { compileTable } from './table.js';
import { tombstoneOp } from './tombstone.js';

export interface SourcedSpec {
  spec: ProjectionSpec;
  source: SourceRef;
}

export function compileProjection({ spec, source }: SourcedSpec): { projection: CompiledProjection; tables: TableDef[]; outputs: OutputDef[] } {
  const envelope = { ...DEFAULT_ENVELOPE, ...spec.envelope };
  const tables = Object.entries(spec.tables ?? {}).map(([name, t]) => compileTable(name, t));
  const byName = new Map(tables.map((t) => [t.name, t]));
  const handlers: CompiledProjection['handlers'] = {};
  const appends: Record<string, AppendOp[]> = {};
  // Appends go to the output's room (runtime/outputs/http), table operations to the SQL sink;
  // a type with appends only still has a (table-less) handler, so it is routed, not unhandled.
  const compileOps = (ops: OperationSpec[]) => ops.filter(isTableOp).map((op) => {
    const table = byName.get(operationTarget(op).table);
    if (table === undefined) throw new Error(`compile: unknown table ${operationTarget(op).table} (validate first)`);
    const compiled = compileOperation(op, table, envelope);
    const onMissing = ('on_missing' in op ? op.on_missing : undefined) ?? spec.on_missing ?? 'dlq';
    if (onMissing === 'skip') compiled.onMissing = 'skip';
    return compiled;
  });
  for (const [eventType, ops] of Object.entries(spec.on ?? {})) {
    handlers[eventType] = compileOps(ops);
    const toOutputs = ops.filter(isAppendOp);
    if (toOutputs.length > 0) appends[eventType] = toOutputs.map(compileAppend);
  }
  const projection: CompiledProjection = {
    name: spec.projection,
    group: spec.group,
    topics: [...spec.topics],
    envelope,
    ...(spec.formats?.key !== undefined && spec.formats.key !== 'string' ? { keyFormat: spec.formats.key } : {}),
    ...(spec.formats?.value !== undefined && spec.formats.value !== 'json' ? { valueFormat: spec.formats.value } : {}),
    unhandled: spec.unhandled ?? 'skip',
    handlers,
    tables: tables.map((t) => t.name),
    source,
  };
  if (spec.default !== undefined) projection.default = compileOps(spec.default);
  if (spec.tombstone !== undefined) projection.tombstone = compileOps(spec.tombstone.map((op) => tombstoneOp(op, envelope)));
  if (Object.keys(appends).length > 0) projection.appends = appends;
  const outputs = Object.entries(spec.outputs ?? {}).map(([name, o]) => compileOutput(name, o, { projection: spec.projection, group: spec.group, source }));
  return { projection, tables, outputs };
}

export function compilePlan(specs: SourcedSpec[]): Plan {
  const projections: CompiledProjection[] = [];
  const tables = new Map<string, TableDef>();
  const outputs: OutputDef[] = [];
  for (const s of specs) {
    const compiled = compileProjection(s);
    projections.push(compiled.projection);
    outputs.push(...compiled.outputs);
    // Validation guarantees that a table declared twice is declared the same way.
    for (const t of compiled.tables) if (!tables.has(t.name)) tables.set(t.name, t);
  }
  projections.sort((a, b) => a.name.localeCompare(b.name));
  const plan: Plan = { projections, tables: [...tables.values()].sort((a, b) => a.name.localeCompare(b.name)), groups: groupsOf(projections) };
  if (outputs.length > 0) plan.outputs = outputs.sort((a, b) => a.name.localeCompare(b.name));
  return plan;
}

function groupsOf(projections: CompiledProjection[]): ConsumerGroupPlan[] {
  const groups = new Map<string, ConsumerGroupPlan>();
  for (const p of projections) {
    const g = groups.get(p.group) ?? { group: p.group, topics: [], projections: [] };
    g.projections.push(p.name);
    for (const t of p.topics) if (!g.topics.includes(t)) g.topics.push(t);
    groups.set(p.group, g);
  }
  for (const g of groups.values()) g.topics.sort();
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group));
}
