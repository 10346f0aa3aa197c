/**
 * A tombstone has a key, headers and a source, but no value: its operations may not read the
 * event (`$.…`, `$raw`), and an update or delete must name its row (the envelope's entity is a
 * path into the value, so the implicit `where` would never find one).
 */
import type { Diagnostic } from '../diagnostics.js';
import { DEFAULT_ENVELOPE, type EnvelopePaths } from '../compile/plan.js';
import { readsRecord } from '../compile/tombstone.js';
import { isPathString, parsePathRef } from '../compile/value.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import type { ProjectionSpec } from '../spec/types.js';
import { originalIndex } from './prune.js';

const FIX = 'a tombstone has no value: read $key (under formats: { key: json } or avro also $key.<field>), $headers.<name> or $source.…';

export function checkTombstone(doc: SpecDocument, spec: ProjectionSpec, out: Diagnostic[]): void {
  const envelope: EnvelopePaths = { ...DEFAULT_ENVELOPE, ...spec.envelope };
  const entity = parsePathRef(envelope.entity);
  const entityFromValue = 'root' in entity;
  (spec.tombstone ?? []).forEach((op, i, ops) => {
    const at: Segment[] = ['tombstone', originalIndex(ops, i)];
    if (('update' in op || 'delete' in op || 'increment' in op || 'decrement' in op) && !('where' in op && op.where !== undefined) && entityFromValue) {
      out.push(diagnosticAt(doc, at, 'E_TOMBSTONE_VALUE', `this operation finds its row by the envelope's entity, a path into the value: give it where, e.g. where: { id: $key }; ${FIX}`));
    }
    // A delete without a version is applied unguarded (compile/tombstone.ts); an insert or update would store a version it does not have.
    const written = 'insert' in op ? op.insert : 'update' in op ? op.update : undefined;
    const guarded = written !== undefined && spec.tables?.[written]?.version !== undefined && !('guard' in op && op.guard === false);
    // An own version reading the value is E_TOMBSTONE_VALUE below: one mistake, one diagnostic.
    const ownVersion = 'version' in op ? op.version : undefined;
    if (guarded && ownVersion === undefined && !readsRecord(envelope.version)) {
      out.push(diagnosticAt(doc, at, 'E_TOMBSTONE_VERSION', `${'insert' in op ? 'insert' : 'update'} of ${written} is version-guarded, but a tombstone has no value to read the version from (${envelope.version}): add guard: false (applied unguarded, the row keeps its version) or read envelope.version from the record ($headers.<name>, $key.<field>); a delete needs none (a tombstone deletes the key's row whatever its version)`));
    }
    walk(op, at, (text, path) => {
      const ref = parsePathRef(text);
      if ('root' in ref && ref.root === 'event') out.push(diagnosticAt(doc, path, 'E_TOMBSTONE_VALUE', `"${text}" reads the value; ${FIX}`));
    });
  });
}

/** Every `$…` string in an operation, with its location; `{ const: … }` holds literals only. */
function walk(v: unknown, path: Segment[], visit: (text: string, path: Segment[]) => void): void {
  if (isPathString(v)) visit(v, path);
  else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], visit));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (k !== 'const') walk(x, [...path, k], visit);
  }
}
