/**
 * Schema validation with ajv (allErrors), turned into located diagnostics. ajv reports a failed
 * alternative (oneOf/anyOf/if) once per branch; we keep the errors of the branch the author
 * meant and phrase the rest as one message, so each mistake is reported once and precisely.
 */
import Ajv2020Module, { type ErrorObject } from 'ajv/dist/2020.js';
import type { Diagnostic, DiagnosticCode } from '../diagnostics.js';
import { diagnosticAt, parsePointer, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import { projectionSchema } from '../spec/schema-file.js';
import type { ProjectionSpec } from '../spec/types.js';
import { Pruner } from './prune.js';
import { didYouMean } from './suggest.js';

const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validateProjection = ajv.compile<ProjectionSpec>(projectionSchema);

/*
 * Schema nodes are recognised by identity (ajv's verbose `parentSchema`), not by `schemaPath`:
 * ajv compiles a recursive $ref (value) as its own function, and its schemaPath then restarts at
 * `#`, so `#/oneOf` may be the operation, the column or the value form.
 */
type SchemaNode = Record<string, unknown>;
const defs = projectionSchema.$defs as Record<string, SchemaNode>;
const def = (name: string): SchemaNode => {
  const d = defs[name];
  if (d === undefined) throw new Error(`schema: no $defs/${name}`);
  return d;
};
const branches = (node: SchemaNode): SchemaNode[] => (node.oneOf as SchemaNode[] | undefined) ?? [];

interface KindSet {
  code: DiagnosticCode;
  what: string;
  kinds: string[];
}

/** Objects that take exactly one of several keys; the keys are read from the schema's `oneOf: [{required: [k]}…]`. */
const KIND_SETS = new Map<unknown, KindSet>(
  ([['operation', 'E_OPERATION_KIND', 'an operation'], ['valueForm', 'E_VALUE_FORM', 'a value form']] as const).map(([name, code, what]) => [
    def(name),
    { code, what, kinds: branches(def(name)).map((b) => String((b.required as string[])[0])) },
  ]),
);
/** The `{required: [kind]}` selectors: their failures only say "not this kind". */
const SELECTORS = new Set<unknown>([...branches(def('operation')), ...branches(def('valueForm'))]);

const ALTERNATIVES = new Map<unknown, string>([
  [def('value'), 'a value: a path ($.x), a literal, or a value form object'],
  [def('column'), 'a column type (string, text, int, bigint, decimal, boolean, datetime, json) or a column object'],
  [(def('insertOp').properties as Record<string, unknown>).on_conflict, 'ignore, update, or { update: [columns] }'],
]);

export interface SchemaResult {
  diagnostics: Diagnostic[];
  /** The document, or what the schema accepts of it (prune.ts); undefined when nothing can be checked further. */
  value?: ProjectionSpec;
  /** A required top-level key was rejected: check this projection alone, not across projections. */
  partial: boolean;
}

const pruner = new Pruner(projectionSchema);
/** Errors a pruned document may still have and the semantic checks do not mind: emptied maps and lists. */
const HARMLESS = new Set(['minProperties', 'minItems']);

export function checkSchema(spec: SpecDocument): SchemaResult {
  if (!isObject(spec.value)) {
    return { partial: true, diagnostics: [diagnosticAt(spec, [], 'E_NOT_A_MAPPING', 'expected a projection: a mapping with projection, group, topics, tables and on')] };
  }
  if (validateProjection(spec.value)) return { diagnostics: [], value: spec.value, partial: false };
  const errors = validateProjection.errors ?? [];
  const diagnostics = toDiagnostics(spec, errors);
  const pruned = pruner.prune(spec, spec.value, errors, (v) => (validateProjection(v) ? [] : [...(validateProjection.errors ?? [])]));
  // What is left must pass the schema, or the semantic checks would meet shapes they do not expect.
  const ok = validateProjection(pruned.value) || (validateProjection.errors ?? []).every((e) => HARMLESS.has(e.keyword));
  return ok ? { diagnostics, value: pruned.value as unknown as ProjectionSpec, partial: pruned.partial } : { diagnostics, partial: true };
}

function toDiagnostics(spec: SpecDocument, errors: ErrorObject[]): Diagnostic[] {
  const alternativesAt = new Set(errors.filter(isAlternative).map((e) => e.instancePath));
  // An object with zero or several kinds: the per-kind branches judge it by the wrong rules.
  const kindlessAt = new Set(errors.filter(isKindError).map((e) => e.instancePath));
  const kept = errors.filter((e) => {
    // `if` restates its `then`; `propertyNames` restates the name's own error (which carries propertyName).
    if (e.keyword === 'if' || e.keyword === 'propertyNames') return false;
    if (SELECTORS.has(e.parentSchema)) return false;
    // A kind set that is not an object: its `type` error says so.
    if (e.keyword === 'oneOf' && KIND_SETS.has(e.parentSchema)) return isKindError(e);
    if (kindlessAt.has(e.instancePath) && (e.keyword === 'additionalProperties' || e.keyword === 'required')) return false;
    // A type or enum error of a branch that does not fit the instance's shape.
    if (alternativesAt.has(e.instancePath) && (e.keyword === 'type' || e.keyword === 'enum')) {
      return e.keyword === 'enum' && typeof e.data === 'string';
    }
    return true;
  });
  // Every path at or above a precise (not alternative) error: an alternative there says less than it.
  const precise = new Set<string>();
  for (const o of kept) {
    if (isAlternative(o)) continue;
    for (let p = o.instancePath; !precise.has(p); p = p.slice(0, Math.max(0, p.lastIndexOf('/')))) {
      precise.add(p);
      if (p === '') break;
    }
  }
  const out: Diagnostic[] = [];
  for (const e of kept) {
    if (isAlternative(e)) {
      if (!precise.has(e.instancePath)) out.push(diagnosticAt(spec, parsePointer(e.instancePath), 'E_TYPE', `expected ${ALTERNATIVES.get(e.parentSchema) ?? 'another shape'}, got ${describe(e.data)}`));
      continue;
    }
    out.push(translate(spec, e));
  }
  return dedupe(out);
}

function isAlternative(e: ErrorObject): boolean {
  return (e.keyword === 'oneOf' || e.keyword === 'anyOf') && ALTERNATIVES.has(e.parentSchema);
}

function isKindError(e: ErrorObject): boolean {
  return e.keyword === 'oneOf' && KIND_SETS.has(e.parentSchema) && isObject(e.data);
}

function translate(spec: SpecDocument, e: ErrorObject): Diagnostic {
  const path = parsePointer(e.instancePath);
  const at = (code: DiagnosticCode, message: string, p: Segment[] = path, target: 'key' | 'value' = 'value') =>
    diagnosticAt(spec, p, code, message, target);
  const params = e.params as Record<string, unknown>;
  const identifier = e.parentSchema === def('identifier');
  if (e.propertyName !== undefined) {
    const problem = identifier ? identifierProblem(e.propertyName, e.keyword) : `"${e.propertyName}" is not a valid name here: ${e.message ?? 'invalid name'}`;
    return at('E_IDENTIFIER', problem, [...path, e.propertyName], 'key');
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return at('E_UNKNOWN_KEY', `unknown key "${key}"${where(path)}${didYouMean(key, allowed)}; expected one of: ${allowed.join(', ')}`, [...path, key], 'key');
    }
    case 'required':
      return at('E_REQUIRED', `missing required key "${String(params.missingProperty)}"${where(path)}`);
    case 'type':
      return at('E_TYPE', `expected ${typeList(params.type)}, got ${describe(e.data)}`);
    case 'enum': {
      const allowed = params.allowedValues as unknown[];
      const hint = typeof e.data === 'string' ? didYouMean(e.data, allowed.map(String)) : '';
      return at('E_ENUM', `expected one of ${allowed.map((v) => JSON.stringify(v)).join(', ')}, got ${describe(e.data)}${hint}`);
    }
    case 'pattern':
      return identifier
        ? at('E_IDENTIFIER', identifierProblem(String(e.data), e.keyword))
        : e.parentSchema === def('path')
          ? at('E_VALUE_SYNTAX', `expected a path starting with $, got ${describe(e.data)}`)
          : e.parentSchema === (def('envelope').properties as Record<string, unknown>).id
            ? at('E_VALUE_SYNTAX', `expected a path starting with $, or none (messages without ids), got ${describe(e.data)}`)
          : at('E_PATTERN', `${describe(e.data)} does not match ${String(params.pattern)}`);
    case 'oneOf': {
      const set = KIND_SETS.get(e.parentSchema);
      if (set === undefined) return at('E_SCHEMA', e.message ?? e.keyword);
      const keys = Object.keys(e.data as object);
      // Keys come as written: point at the second kind, the likely extra one.
      const present = keys.filter((k) => set.kinds.includes(k));
      const second = present[1];
      return second === undefined
        ? at(set.code, `expected ${set.what} with exactly one of: ${set.kinds.join(', ')}; got keys ${keys.join(', ') || '(none)'}`)
        : at(set.code, `${set.what} has exactly one of ${set.kinds.join(', ')}; this one has ${present.join(' and ')}`, [...path, second], 'key');
    }
    case 'maxLength':
      if (identifier) return at('E_IDENTIFIER', identifierProblem(String(e.data), e.keyword));
      return at('E_RANGE', rangeMessage(path, e));
    case 'minLength': case 'minimum': case 'maximum': case 'minItems': case 'maxItems': case 'minProperties':
      return at('E_RANGE', rangeMessage(path, e));
    case 'uniqueItems':
      return at('E_RANGE', `${keyName(path)} items must be unique (${String(params.j)} and ${String(params.i)} are the same)`);
    default:
      return at('E_SCHEMA', `${e.message ?? e.keyword}`);
  }
}

/** `scale 40: must be <= 30`: the key is named, so the message stands without its code frame. */
function rangeMessage(path: Segment[], e: ErrorObject): string {
  const value = typeof e.data === 'string' && e.data.length > 40 ? `a string of ${e.data.length} characters` : describe(e.data);
  return `${keyName(path)} ${value}: ${e.message ?? 'out of range'}`;
}

/** The key a value stands under: `scale`, or `topics[2]` for an item of a list. */
function keyName(path: Segment[]): string {
  const i = path.length - 1;
  const last = path[i];
  if (last === undefined) return 'the projection';
  if (typeof last === 'string') return last;
  const parent = path[i - 1];
  return parent === undefined ? `item ${last}` : `${String(parent)}[${last}]`;
}

function identifierProblem(name: string, keyword: string): string {
  return keyword === 'maxLength'
    // PostgreSQL cuts a longer name to 63 bytes without an error (NAMEDATALEN - 1:
    // https://www.postgresql.org/docs/15/sql-syntax-lexical.html#SQL-SYNTAX-IDENTIFIERS), so two
    // names could become one there: refused for every database alike (the pattern is ASCII: bytes = characters).
    ? `"${name}" is ${name.length} characters long: a SQL identifier has at most 63 (PostgreSQL's limit, the same on every database)`
    : `"${name}" is not a SQL identifier: expected lower-case letters, digits and _ ([a-z_][a-z0-9_]*)`;
}

/** ajv gives `type` as "string" or, for a union, an array (or "string,number" in older versions). */
function typeList(t: unknown): string {
  const types = Array.isArray(t) ? t.map(String) : String(t).split(',');
  return types.length < 2 ? types.join('') : `${types.slice(0, -1).join(', ')} or ${String(types[types.length - 1])}`;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function where(path: Segment[]): string {
  const last = [...path].reverse().find((s) => typeof s === 'string');
  return last === undefined ? '' : ` in ${String(last)}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return JSON.stringify(v);
}

function dedupe(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds.filter((d) => {
    const k = `${d.line}:${d.col}:${d.code}:${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
