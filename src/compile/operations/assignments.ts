/** Assignments (`set`, `where`, `by`) → plan Assignments. */
import type { Assignments } from '../../spec/types.js';
import type { Assignment, EnvelopePaths, GuardedVersion, TableDef, ValueExpr } from '../plan.js';
import { compileValue, isForm, isPathString, parsePathRef, refExpr } from '../value.js';

export function compileSet(set: Assignments | undefined): Assignment[] {
  return Object.entries(set ?? {}).map(([column, spec]): Assignment => {
    if (isForm(spec) && 'replace_in' in spec) {
      return { mode: 'replace_in', column, at: spec.replace_in.map(segment), value: compileValue(spec.value) };
    }
    if (isForm(spec) && 'path' in spec && spec.if_missing === 'keep') {
      return { mode: 'keep_if_missing', column, value: compileValue(spec) };
    }
    return { mode: 'set', column, value: compileValue(spec) };
  });
}

export function compileAdd(by: Assignments): Assignment[] {
  return Object.entries(by).map(([column, spec]) => ({ mode: 'add', column, value: compileValue(spec) }));
}

/** `where` defaults to the table's single key column = the event's entity id. */
export function compileWhere(where: Assignments | undefined, table: TableDef, envelope: EnvelopePaths): Assignment[] {
  if (where !== undefined) return compileSet(where);
  const [only] = table.key;
  return only === undefined ? [] : [{ mode: 'set', column: only, value: eventPath(envelope.entity) }];
}

/** An envelope field's expression: a path into the value, or `$key…` / `$headers.<name>`. */
export function eventPath(path: string): ValueExpr {
  return refExpr(parsePathRef(path), path);
}

/**
 * Where a guarded write reads its version: the operation's own `version` path, else the envelope's.
 * `version` is only set on the plan op when the spec names one, so plans without it are unchanged.
 */
export function versionSource(spec: { version?: string }, envelope: EnvelopePaths): { expr: ValueExpr; version?: GuardedVersion } {
  if (spec.version === undefined) return { expr: eventPath(envelope.version) };
  const ref = parsePathRef(spec.version);
  const version: GuardedVersion = 'root' in ref ? { root: ref.root, path: ref.path } : { root: 'event', path: spec.version };
  return { expr: { kind: 'path', root: version.root, path: version.path }, version };
}

/** The version column of a guarded write, when the table has one and the op does not opt out. */
export function guardOf(table: TableDef, guard: boolean | undefined): string | undefined {
  return guard === false ? undefined : table.version;
}

function segment(s: string | number): ValueExpr {
  if (typeof s === 'number' || !isPathString(s)) return { kind: 'literal', value: s };
  return refExpr(parsePathRef(s), s);
}
