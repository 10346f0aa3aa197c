/**
 * The shadow plan of a blue-green rebuild (pure): only the projections being rebuilt, their tables
 * renamed to shadow names (`<table>__next`; the live ones become `<table>__old` at the swap) and
 * their group renamed to a derived group, so the shadow has positions and processed ids of its own
 * beside the live group's in the engine tables.
 */
import { createHash } from 'node:crypto';
import type { CompiledProjection, Operation, Plan, TableDef } from './plan.js';

/** MariaDB's limit on table names (and the engine's on spec tables). */
/** PostgreSQL's identifier limit, the strictest of the databases (validate refuses longer names). */
export const MAX_TABLE_NAME = 63;
/** The engine's consumer_group columns hold 128 characters. */
export const MAX_GROUP_NAME = 128;

export interface TableRename {
  /** The live table (the spec's name). */
  live: string;
  /** Where the rebuild builds it. */
  next: string;
  /** Where the live table goes at the swap. */
  old: string;
}

export interface ShadowGroup {
  live: string;
  shadow: string;
  /** The group's projections that are rebuilt, and those that are not (they keep the live group's positions). */
  rebuilt: string[];
  others: string[];
}

export interface ShadowPlan {
  plan: Plan;
  renames: TableRename[];
  groups: ShadowGroup[];
}

/** Why a projection cannot be rebuilt (the caller reports it; nothing was touched). */
/** `together`: the projections to name in one rebuild instead (the caller prints the command line). */
export class ShadowPlanError extends Error {
  constructor(message: string, readonly together?: string[]) { super(message); }
}

/**
 * `<name><suffix>`, or, when that would pass 63 characters, the name cut and a hash of the full
 * name added, so distinct names stay distinct and every result fits.
 */
export function shadowTableName(name: string, suffix: '__next' | '__old'): string {
  const full = `${name}${suffix}`;
  if (full.length <= MAX_TABLE_NAME) return full;
  const h = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${name.slice(0, MAX_TABLE_NAME - suffix.length - h.length - 1)}_${h}${suffix}`;
}

/** The group a rebuild of `group` consumes under (its own positions, processed ids and Kafka offsets). */
export function shadowGroupName(group: string): string {
  const suffix = '.rebuild';
  const full = `${group}${suffix}`;
  if (full.length <= MAX_GROUP_NAME) return full;
  const h = createHash('sha256').update(group).digest('hex').slice(0, 8);
  return `${group.slice(0, MAX_GROUP_NAME - suffix.length - h.length - 1)}-${h}${suffix}`;
}

/**
 * The plan a rebuild of `names` runs. `indexBase` names the shadow tables' indexes (default: the
 * shadow table's name): SQLite's index names are per database, so a second rebuild must not derive
 * the names the first one's tables, now live, carry.
 */
export function shadowPlan(plan: Plan, names: string[], o: { indexBase?: (live: string) => string } = {}): ShadowPlan {
  const unknown = names.filter((n) => !plan.projections.some((p) => p.name === n));
  if (unknown.length > 0) throw new ShadowPlanError(`no projection named ${unknown.join(', ')} in the specs (projections: ${plan.projections.map((p) => p.name).join(', ')})`);
  const chosen = plan.projections.filter((p) => names.includes(p.name));
  for (const p of chosen) {
    const outputs = (plan.outputs ?? []).filter((x) => x.projection === p.name).map((x) => x.name);
    if (outputs.length > 0 || (p.appends !== undefined && Object.keys(p.appends).length > 0)) {
      throw new ShadowPlanError(`projection ${p.name} has HTTP outputs (${outputs.join(', ') || 'append operations'}): a rebuild would send its whole history to the endpoint again, which is not a rebuild; rebuild only projections whose effects are SQL tables`);
    }
  }
  const owned = new Set(chosen.flatMap((p) => p.tables));
  for (const p of chosen) {
    for (const t of tablesWritten(p)) {
      if (!owned.has(t)) throw new ShadowPlanError(`projection ${p.name} writes table ${t}, which projection ${ownerOf(plan, t)} declares: rebuild both together`, [p.name, ownerOf(plan, t)]);
    }
  }
  for (const other of plan.projections.filter((p) => !names.includes(p.name))) {
    for (const t of tablesWritten(other)) {
      if (owned.has(t)) throw new ShadowPlanError(`projection ${other.name} also writes table ${t}: rebuild both together`, [...names, other.name]);
    }
  }
  const renames = plan.tables.filter((t) => owned.has(t.name)).map((t) => ({ live: t.name, next: shadowTableName(t.name, '__next'), old: shadowTableName(t.name, '__old') }));
  const taken = new Set(plan.tables.map((t) => t.name));
  for (const r of renames) {
    for (const n of [r.next, r.old]) if (taken.has(n)) throw new ShadowPlanError(`table ${r.live}: its rebuild name ${n} is a table of the specs; rename one of them`);
  }
  const next = new Map(renames.map((r) => [r.live, r.next]));
  const groups: ShadowGroup[] = [...new Set(chosen.map((p) => p.group))].sort().map((g) => ({
    live: g,
    shadow: shadowGroupName(g),
    rebuilt: chosen.filter((p) => p.group === g).map((p) => p.name),
    others: plan.projections.filter((p) => p.group === g && !names.includes(p.name)).map((p) => p.name),
  }));
  const shadowOf = new Map(groups.map((g) => [g.live, g.shadow]));
  const renameOps = (ops: Operation[]): Operation[] => ops.map((op) => ({ ...op, table: next.get(op.table) ?? op.table }));
  const projections: CompiledProjection[] = chosen.map((p) => ({
    ...p,
    group: shadowOf.get(p.group) ?? p.group,
    handlers: Object.fromEntries(Object.entries(p.handlers).map(([type, ops]) => [type, renameOps(ops)])),
    ...(p.default !== undefined ? { default: renameOps(p.default) } : {}),
    tables: p.tables.map((t) => next.get(t) ?? t),
  }));
  const tables: TableDef[] = plan.tables
    .filter((t) => owned.has(t.name))
    .map((t) => ({ ...t, name: next.get(t.name) ?? t.name, ...(o.indexBase !== undefined ? { indexBase: o.indexBase(t.name) } : {}) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const planGroups = plan.groups
    .filter((g) => shadowOf.has(g.group))
    .map((g) => {
      const ps = projections.filter((p) => p.group === shadowOf.get(g.group));
      return { group: shadowOf.get(g.group) as string, topics: [...new Set(ps.flatMap((p) => p.topics))].sort(), projections: ps.map((p) => p.name) };
    });
  return { plan: { projections, tables, groups: planGroups }, renames, groups };
}

function tablesWritten(p: CompiledProjection): Set<string> {
  return new Set([...Object.values(p.handlers).flat(), ...(p.default ?? [])].map((op) => op.table));
}

function ownerOf(plan: Plan, table: string): string {
  return plan.projections.find((p) => p.tables.includes(table))?.name ?? '(none)';
}
