/**
 * A value spec → a ValueExpr. A string is a path when it starts with `$` (`$.x` reads the event,
 * `$item…` the loop element, `$index` its position, `$raw` the whole value, `$source.…`, `$type`
 * and `$now` the message's metadata); any other scalar is a literal, and `{ const: … }` says a
 * literal that starts with `$`.
 */
import type { ValueForm, ValueSpec } from '../spec/types.js';
import { META_NAMES, type MetaName, type PathRoot, type ValueExpr } from './plan.js';

export type PathRef =
  | { root: PathRoot; path: string }
  | { index: true }
  | { meta: MetaName }
  /** `$key` (path `$`) and `$key.<path>`: the decoded message key. */
  | { key: string }
  /** `$headers.<name>`: everything after the dot is the name (header names may hold dots and dashes). */
  | { header: string }
  | { invalid: string };

const META = new Set<string>(META_NAMES);

/** Classify a `$…` string. `$item.a` becomes root item, path `$.a`; `$raw` is the value itself (`$`). */
export function parsePathRef(text: string): PathRef {
  if (text === '$index') return { index: true };
  if (text === '$raw') return { root: 'event', path: '$' };
  if (META.has(text.slice(1))) return { meta: text.slice(1) as MetaName };
  if (text === '$key') return { key: '$' };
  if (text.startsWith('$key.') || text.startsWith('$key[')) return { key: '$' + text.slice(4) };
  if (text.startsWith('$headers.') && text.length > '$headers.'.length) return { header: text.slice('$headers.'.length) };
  if (text === '$item') return { root: 'item', path: '$' };
  if (text.startsWith('$item.') || text.startsWith('$item[')) return { root: 'item', path: '$' + text.slice(5) };
  if (text === '$' || text.startsWith('$.') || text.startsWith('$[')) return { root: 'event', path: text };
  return { invalid: text };
}

export function isPathString(v: unknown): v is string {
  return typeof v === 'string' && v.startsWith('$');
}

export function isForm(v: ValueSpec): v is ValueForm {
  return v !== null && typeof v === 'object';
}

/** Compile a value spec that has passed validation (invalid paths become literals of their text). */
export function compileValue(spec: ValueSpec): ValueExpr {
  if (!isForm(spec)) {
    if (!isPathString(spec)) return { kind: 'literal', value: spec };
    return pathExpr(spec);
  }
  if ('const' in spec) return { kind: 'literal', value: spec.const };
  if ('path' in spec) {
    const expr = pathExpr(spec.path);
    return expr.kind === 'path' && spec.default !== undefined ? { ...expr, default: spec.default } : expr;
  }
  if ('count' in spec) {
    const ref = parsePathRef(spec.count);
    return 'root' in ref ? { kind: 'count', root: ref.root, path: ref.path } : { kind: 'literal', value: 0 };
  }
  if ('json' in spec) return { kind: 'json', value: compileValue(spec.json) };
  if ('equals' in spec) return { kind: 'equals', left: compileValue(spec.equals[0]), right: compileValue(spec.equals[1]) };
  if ('coalesce' in spec) return { kind: 'coalesce', values: spec.coalesce.map(compileValue) };
  if ('map' in spec) {
    const ref = parsePathRef(spec.map);
    const to = mapValues(spec.to, compileValue);
    return 'root' in ref ? { kind: 'map', root: ref.root, path: ref.path, to } : { kind: 'literal', value: [] };
  }
  if ('object' in spec) return { kind: 'object', fields: mapValues(spec.object, compileValue) };
  // replace_in is an assignment mode, compiled by compileAssignments; its value is what is stored.
  return compileValue(spec.value);
}

function pathExpr(text: string): ValueExpr {
  return refExpr(parsePathRef(text), text);
}

/** The expression a `$…` reference reads (an invalid one, which validation reports, its text). */
export function refExpr(ref: PathRef, text: string): ValueExpr {
  if ('index' in ref) return { kind: 'index' };
  if ('meta' in ref) return { kind: 'meta', name: ref.meta };
  if ('key' in ref) return { kind: 'key', path: ref.key };
  if ('header' in ref) return { kind: 'header', name: ref.header };
  if ('invalid' in ref) return { kind: 'literal', value: text };
  return { kind: 'path', root: ref.root, path: ref.path };
}

export function mapValues<A, B>(obj: Record<string, A>, f: (a: A, k: string) => B): Record<string, B> {
  const out: Record<string, B> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = f(v, k);
  return out;
}
