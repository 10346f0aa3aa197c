/** A table spec → its TableDef: shorthand columns expanded, implicit log and version columns added. */
import type { ColumnSpec, TableSpec } from '../spec/types.js';
import { LOG_COLUMNS, type ColumnDef, type TableDef } from './plan.js';

export function compileColumn(name: string, spec: ColumnSpec | ColumnSpec['type']): ColumnDef {
  const c: ColumnSpec = typeof spec === 'string' ? { type: spec } : spec;
  const def: ColumnDef = { name, type: c.type, nullable: c.nullable ?? false };
  if (c.type === 'string') def.length = c.length ?? 255;
  if (c.type === 'decimal') {
    def.precision = c.precision ?? 18;
    def.scale = c.scale ?? 2;
  }
  if (c.default !== undefined) def.default = c.default;
  return def;
}

export function compileTable(name: string, spec: TableSpec): TableDef {
  const declared = Object.entries(spec.columns).map(([n, c]) => compileColumn(n, c));
  const names = new Set(declared.map((c) => c.name));
  // Implicit columns come first, unless the author declared a column of the same name.
  const implicit = spec.log ? LOG_COLUMNS.filter((c) => !names.has(c.name)).map((c) => ({ ...c })) : [];
  const columns = [...implicit, ...declared];
  if (spec.version !== undefined && !names.has(spec.version)) {
    columns.push({ name: spec.version, type: 'bigint', nullable: false, default: 0, implicit: true });
  }
  const table: TableDef = {
    name,
    columns,
    key: spec.key ?? (spec.log ? ['event_id'] : []),
    unique: spec.unique ?? [],
    indexes: spec.indexes ?? [],
    log: spec.log ?? false,
  };
  if (spec.version !== undefined) table.version = spec.version;
  return table;
}

/** Columns by name, built once per table: a search per lookup made validate quadratic in wide tables. */
const BY_NAME = new WeakMap<TableDef, { columns: ColumnDef[]; byName: Map<string, ColumnDef> }>();

export function columnOf(table: TableDef, name: string): ColumnDef | undefined {
  let cache = BY_NAME.get(table);
  // The columns array may be replaced or grown after the first lookup; rebuild then.
  if (cache === undefined || cache.columns !== table.columns || cache.byName.size !== table.columns.length) {
    cache = { columns: table.columns, byName: new Map() };
    for (const c of table.columns) if (!cache.byName.has(c.name)) cache.byName.set(c.name, c);
    BY_NAME.set(table, cache);
  }
  return cache.byName.get(name);
}
