/**
 * A projection's fingerprint: a hash of what builds its tables (tables, columns, keys, indexes,
 * topics, envelope, handlers). The engine stores it when it builds the tables (sc_spec_fingerprints)
 * and compares it with the specs on disk: a difference says what changed and which remedy applies.
 * - `migrate`: only additive schema changes (`sc-project ddl --apply` or `run --migrate`);
 * - `rebuild`: handlers changed (their effect on earlier events is missing: a new handler needs a
 *   backfill), or a table changed in a way no ALTER does safely (`sc-project rebuild <projection>`).
 */
import { createHash } from 'node:crypto';
import type { CompiledProjection, Plan, TableDef } from './plan.js';

export interface ProjectionShape {
  tables: TableDef[];
  topics: string[];
  envelope: unknown;
  /** Event type → a hash of its operations ('*' the default route). */
  handlers: Record<string, string>;
}

export type Remedy = 'none' | 'migrate' | 'rebuild';

export interface ShapeDiff {
  changes: string[];
  remedy: Remedy;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

const hash = (v: unknown) => createHash('sha256').update(canonical(v)).digest('hex');

export function projectionShape(plan: Plan, p: CompiledProjection): ProjectionShape {
  const handlers: Record<string, string> = {};
  for (const [type, ops] of Object.entries(p.handlers)) handlers[type] = hash(ops).slice(0, 16);
  if (p.default !== undefined) handlers['*'] = hash(p.default).slice(0, 16);
  return {
    tables: plan.tables.filter((t) => p.tables.includes(t.name)).sort((a, b) => a.name.localeCompare(b.name)),
    topics: [...p.topics].sort(),
    envelope: p.envelope,
    handlers,
  };
}

export function fingerprintOf(shape: ProjectionShape): string {
  return hash(shape).slice(0, 32);
}

/** What changed from `before` (stored) to `after` (the specs), and the remedy. */
export function diffShapes(before: ProjectionShape, after: ProjectionShape): ShapeDiff {
  const changes: string[] = [];
  let rebuild = false;
  const handlerName = (t: string) => (t === '*' ? 'the default route' : `handler ${t}`);
  for (const [type, h] of Object.entries(after.handlers)) {
    const was = before.handlers[type];
    if (was === undefined) { changes.push(`${handlerName(type)} added (earlier ${type === '*' ? 'messages' : `${type} events`} are not applied until a rebuild)`); rebuild = true; }
    else if (was !== h) { changes.push(`${handlerName(type)} changed (earlier events keep the old effect until a rebuild)`); rebuild = true; }
  }
  for (const type of Object.keys(before.handlers)) {
    if (after.handlers[type] === undefined) { changes.push(`${handlerName(type)} removed (its past effects stay until a rebuild)`); rebuild = true; }
  }
  if (canonical(before.topics) !== canonical(after.topics)) { changes.push(`topics ${before.topics.join(', ')} → ${after.topics.join(', ')}`); rebuild = true; }
  if (canonical(before.envelope) !== canonical(after.envelope)) { changes.push('envelope paths changed'); rebuild = true; }
  const tables = new Map(before.tables.map((t) => [t.name, t]));
  for (const t of after.tables) {
    const old = tables.get(t.name);
    if (old === undefined) { changes.push(`table ${t.name} added`); continue; }
    const cols = new Map(old.columns.map((c) => [c.name, c]));
    for (const c of t.columns) {
      const o = cols.get(c.name);
      if (o === undefined) {
        changes.push(`column ${t.name}.${c.name} added`);
        if (!c.nullable && c.default === undefined) rebuild = true;
      } else if (canonical(o) !== canonical(c)) {
        changes.push(`column ${t.name}.${c.name} changed: ${canonical(o)} → ${canonical(c)}`);
        // Whether an ALTER can do it is for `ddl --diff` to say; a changed column is at least a migration.
        if (o.type !== c.type && !(o.type === 'int' && c.type === 'bigint')) rebuild = true;
        if ((o.length ?? 0) > (c.length ?? 0) || (o.nullable && !c.nullable)) rebuild = true;
      }
    }
    for (const o of old.columns) if (!t.columns.some((c) => c.name === o.name)) { changes.push(`column ${t.name}.${o.name} removed`); rebuild = true; }
    if (canonical(old.key) !== canonical(t.key)) { changes.push(`table ${t.name} key (${old.key.join(', ')}) → (${t.key.join(', ')})`); rebuild = true; }
    if (canonical(old.unique) !== canonical(t.unique) || canonical(old.indexes) !== canonical(t.indexes)) changes.push(`table ${t.name} indexes changed`);
  }
  for (const t of before.tables) if (!after.tables.some((x) => x.name === t.name)) changes.push(`table ${t.name} removed (kept in the database)`);
  return { changes, remedy: changes.length === 0 ? 'none' : rebuild ? 'rebuild' : 'migrate' };
}
