/** Rules across projections: unique names, one definition per table, one writer per table and event type in a group. */
import type { Diagnostic } from '../diagnostics.js';
import { DEFAULT_ENVELOPE, type EnvelopePaths, type TableDef } from '../compile/plan.js';
import { operationTarget } from '../compile/operations/index.js';
import { isTableOp } from '../compile/output.js';
import { diagnosticAt } from '../spec/locate.js';
import { isBroken } from './prune.js';
import { closest } from './suggest.js';
import type { SpecDocument } from '../spec/load.js';
import type { ProjectionSpec } from '../spec/types.js';
import { operationsOf } from './routes.js';

export interface CheckedProjection {
  doc: SpecDocument;
  spec: ProjectionSpec;
  tables: TableDef[];
}

export function checkAcross(all: CheckedProjection[], out: Diagnostic[]): void {
  const names = new Map<string, CheckedProjection>();
  const tables = new Map<string, { owner: CheckedProjection; def: TableDef }>();
  const writers = new Map<string, CheckedProjection>();
  const envelopes = new Map<string, CheckedProjection>();
  const outputs = new Map<string, CheckedProjection>();
  for (const p of all) {
    // Outputs are named across projections like tables: their outbox rows are keyed by name.
    for (const name of Object.keys(p.spec.outputs ?? {})) {
      const owner = outputs.get(name);
      if (owner === undefined) outputs.set(name, p);
      else out.push(diagnosticAt(p.doc, ['outputs', name], 'E_DUPLICATE_OUTPUT', `output ${name} is already declared by projection ${owner.spec.projection} (${where(owner.doc, ['outputs', name])}): output names are unique`, 'key'));
    }
    const firstOfGroup = envelopes.get(p.spec.group);
    if (firstOfGroup === undefined) envelopes.set(p.spec.group, p);
    else if (JSON.stringify(envelopeOf(firstOfGroup.spec)) !== JSON.stringify(envelopeOf(p.spec))) {
      out.push(diagnosticAt(p.doc, p.spec.envelope ? ['envelope'] : ['group'], 'E_GROUP_CONFLICT', `projections of group ${p.spec.group} must read the envelope the same way (event ids are de-duplicated per group); ${firstOfGroup.spec.projection} (${where(firstOfGroup.doc, ['projection'])}) reads it differently`, 'key'));
    } else if ((firstOfGroup.spec.formats?.key ?? 'string') !== (p.spec.formats?.key ?? 'string')) {
      // The group's messages are decoded once, for all its projections (runtime/apply/routes.ts).
      out.push(diagnosticAt(p.doc, p.spec.formats ? ['formats'] : ['group'], 'E_GROUP_CONFLICT', `projections of group ${p.spec.group} must read the key in one format (its messages are decoded once); ${firstOfGroup.spec.projection} (${where(firstOfGroup.doc, ['projection'])}) reads it as ${firstOfGroup.spec.formats?.key ?? 'string'}`, 'key'));
    } else if ((firstOfGroup.spec.formats?.value ?? 'json') !== (p.spec.formats?.value ?? 'json')) {
      out.push(diagnosticAt(p.doc, p.spec.formats ? ['formats'] : ['group'], 'E_GROUP_CONFLICT', `projections of group ${p.spec.group} must read the value in one format (its messages are decoded once); ${firstOfGroup.spec.projection} (${where(firstOfGroup.doc, ['projection'])}) reads it as ${firstOfGroup.spec.formats?.value ?? 'json'}`, 'key'));
    }
    const first = names.get(p.spec.projection);
    if (first) {
      out.push(diagnosticAt(p.doc, ['projection'], 'E_DUPLICATE_PROJECTION', `projection ${p.spec.projection} is already defined at ${where(first.doc, ['projection'])}`));
    } else {
      names.set(p.spec.projection, p);
    }
    for (const def of p.tables) {
      const seen = tables.get(def.name);
      if (seen === undefined) tables.set(def.name, { owner: p, def });
      // A table with parts the schema rejected differs for that reason alone.
      else if (isBroken(p.doc, ['tables', def.name]) || isBroken(seen.owner.doc, ['tables', def.name])) continue;
      else if (JSON.stringify(seen.def) !== JSON.stringify(def)) {
        out.push(diagnosticAt(p.doc, ['tables', def.name], 'E_TABLE_CONFLICT', `table ${def.name} is also declared by projection ${seen.owner.spec.projection} (${where(seen.owner.doc, ['tables', def.name])}) with a different definition: declare it the same way in both`, 'key'));
      }
    }
    for (const [eventType, ops] of Object.entries(p.spec.on ?? {})) {
      const written = new Set(ops.filter(isTableOp).map((op) => operationTarget(op).table));
      for (const table of written) {
        const k = JSON.stringify([p.spec.group, eventType, table]);
        const other = writers.get(k);
        if (other !== undefined && other !== p) {
          out.push(diagnosticAt(p.doc, ['on', eventType], 'E_GROUP_CONFLICT', `projections ${other.spec.projection} and ${p.spec.projection} of group ${p.spec.group} both write ${table} on ${eventType} (${where(other.doc, ['on', eventType])}): keep these operations in one projection`, 'key'));
        } else {
          writers.set(k, p);
        }
      }
    }
  }
  checkDefaultWriters(all, out);
  checkSimilarTypes(all, out);
}

/**
 * Event types are free names, so a misspelt one (`thing.craeted`) validates and silently never
 * matches. The only vocabulary there is, is what other projections of the same topic handle: a
 * type no other projection of its topics names, one edit (or case/separator) away from one they
 * do, is a warning with a did-you-mean. One edit only: `thing.created` and `thing.updated` are two
 * real types three edits apart.
 */
function checkSimilarTypes(all: CheckedProjection[], out: Diagnostic[]): void {
  // topic → event type → the projections that handle it there.
  const byTopic = new Map<string, Map<string, string[]>>();
  for (const p of all) {
    for (const topic of p.spec.topics ?? []) {
      const types = byTopic.get(topic) ?? new Map<string, string[]>();
      byTopic.set(topic, types);
      for (const t of Object.keys(p.spec.on ?? {})) types.set(t, [...(types.get(t) ?? []), p.spec.projection]);
    }
  }
  for (const p of all) {
    const own = new Set(Object.keys(p.spec.on ?? {}));
    for (const eventType of own) {
      for (const topic of p.spec.topics ?? []) {
        const types = byTopic.get(topic) ?? new Map<string, string[]>();
        if ((types.get(eventType) ?? []).some((name) => name !== p.spec.projection)) continue;
        const near = closest(eventType, [...types.keys()].filter((t) => !own.has(t)), 1);
        if (near === undefined) continue;
        out.push(diagnosticAt(p.doc, ['on', eventType], 'W_SIMILAR_EVENT_TYPE', `event type ${eventType} is handled by no other projection of topic ${topic}, and ${(types.get(near) ?? []).join(', ')} handles ${near} there (did you mean ${JSON.stringify(near)}?)`, 'key', 'warning'));
        break;
      }
    }
  }
}

/**
 * A default route may take a message of any type, also one another projection of the group
 * handles: the tables it writes must be written by no other projection of its group, or the
 * sequence of their changes to one row would depend on which projection runs first.
 */
function checkDefaultWriters(all: CheckedProjection[], out: Diagnostic[]): void {
  const writes = (p: CheckedProjection): Set<string> => new Set(operationsOf(p.spec).flatMap(({ op }) => (isTableOp(op) ? [operationTarget(op).table] : [])));
  for (const p of all) {
    const tables = new Set((p.spec.default ?? []).filter(isTableOp).map((op) => operationTarget(op).table));
    for (const q of all) {
      if (q === p || q.spec.group !== p.spec.group) continue;
      const shared = [...writes(q)].filter((t) => tables.has(t));
      if (shared.length > 0) {
        out.push(diagnosticAt(p.doc, ['default'], 'E_GROUP_CONFLICT', `the default route of ${p.spec.projection} writes ${shared.join(', ')}, which ${q.spec.projection} of group ${p.spec.group} also writes (${where(q.doc, ['projection'])}): a default route's tables belong to its projection within the group`, 'key'));
      }
    }
  }
}

function envelopeOf(spec: ProjectionSpec): EnvelopePaths {
  return { ...DEFAULT_ENVELOPE, ...spec.envelope };
}

function where(doc: SpecDocument, path: string[]): string {
  const d = diagnosticAt(doc, path, 'E_SCHEMA', '', 'key');
  return `${d.file}:${d.line}:${d.col}`;
}
