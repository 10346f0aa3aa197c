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

const Ajv2020 = Ajv2020Module.default;
const ajv = new Ajv2020({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
const validateProjection = ajv.compile<ProjectionSpec>(projectionSchema);

const KINDS: Record<string, string[]> = {
  '#/$defs/operation/oneOf': ['insert', 'update', 'increment', 'decrement', 'log', 'delete'],
  '#/$defs/valueForm/oneOf': ['const', 'path', 'count', 'json', 'equals', 'coalesce', 'map', 'object', 'replace_in'],
};

const ALTERNATIVES: Record<string, string> = {
  '#/$defs/value/anyOf': 'a value: a path ($.x), a literal, or a value form object',
  '#/$defs/column/oneOf': 'a column type (string, text, int, bigint, decimal, boolean, datetime, json) or a column object',
  '#/$defs/insertOp/properties/on_conflict/oneOf': 'ignore, update, or { update: [columns] }',
};

export function checkSchema(spec: SpecDocument): { ok: true; value: ProjectionSpec } | { ok: false; diagnostics: Diagnostic[] } {
  if (spec.value === null || typeof spec.value !== 'object' || Array.isArray(spec.value)) {
    return { ok: false, diagnostics: [diagnosticAt(spec, [], 'E_NOT_A_MAPPING', 'expected a projection: a mapping with projection, group, topics, tables and on')] };
  }
  if (validateProjection(spec.value)) return { ok: true, value: spec.value };
  return { ok: false, diagnostics: toDiagnostics(spec, validateProjection.errors ?? []) };
}

function toDiagnostics(spec: SpecDocument, errors: ErrorObject[]): Diagnostic[] {
  const alternativesAt = new Set(errors.filter((e) => isAlternative(e)).map((e) => e.instancePath));
  const kept = errors.filter((e) => {
    if (e.keyword === 'if') return false;
    // A branch selector of an exactly-one-kind object (`{required: [insert]}`) is not the author's mistake.
    if (e.keyword === 'required' && /\/(operation|valueForm)\/oneOf\/\d+\/required$/.test(e.schemaPath)) return false;
    // A type or enum error of a branch that does not fit the instance's shape.
    if (alternativesAt.has(e.instancePath) && (e.keyword === 'type' || e.keyword === 'enum')) {
      return e.keyword === 'enum' && typeof e.data === 'string';
    }
    return true;
  });
  const out: Diagnostic[] = [];
  for (const e of kept) {
    if (isAlternative(e)) {
      const deeper = kept.some((o) => o !== e && !isAlternative(o) && o.instancePath.startsWith(e.instancePath));
      if (!deeper) out.push(diagnosticAt(spec, parsePointer(e.instancePath), 'E_TYPE', `expected ${ALTERNATIVES[e.schemaPath] ?? 'another shape'}, got ${describe(e.data)}`));
      continue;
    }
    out.push(translate(spec, e));
  }
  return dedupe(out);
}

function isAlternative(e: ErrorObject): boolean {
  return (e.keyword === 'oneOf' || e.keyword === 'anyOf') && e.schemaPath in ALTERNATIVES;
}

function translate(spec: SpecDocument, e: ErrorObject): Diagnostic {
  const path = parsePointer(e.instancePath);
  const at = (code: DiagnosticCode, message: string, p: Segment[] = path, target: 'key' | 'value' = 'value') =>
    diagnosticAt(spec, p, code, message, target);
  const params = e.params as Record<string, unknown>;
  if (e.propertyName !== undefined) {
    return at('E_IDENTIFIER', `"${e.propertyName}" is not a valid name here: ${nameRule(e)}`, [...path, e.propertyName], 'key');
  }
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const allowed = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      return at('E_UNKNOWN_KEY', `unknown key "${key}"${where(path)}; expected one of: ${allowed.join(', ')}`, [...path, key], 'key');
    }
    case 'required':
      return at('E_REQUIRED', `missing required key "${String(params.missingProperty)}"${where(path)}`);
    case 'type':
      return at('E_TYPE', `expected ${String(params.type).replace(',', ' or ')}, got ${describe(e.data)}`);
    case 'enum':
      return at('E_ENUM', `expected one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}, got ${describe(e.data)}`);
    case 'pattern':
      return e.schemaPath.startsWith('#/$defs/identifier')
        ? at('E_IDENTIFIER', `"${String(e.data)}" is not a SQL identifier: expected [a-z_][a-z0-9_]*, at most 64 characters`)
        : e.schemaPath.startsWith('#/$defs/path')
          ? at('E_VALUE_SYNTAX', `expected a path starting with $, got ${describe(e.data)}`)
          : at('E_PATTERN', `${describe(e.data)} does not match ${String(params.pattern)}`);
    case 'oneOf': {
      const kinds = KINDS[e.schemaPath] ?? [];
      const obj = (e.data ?? {}) as Record<string, unknown>;
      const present = kinds.filter((k) => k in obj);
      const code = e.schemaPath.includes('operation') ? 'E_OPERATION_KIND' : 'E_VALUE_FORM';
      const what = code === 'E_OPERATION_KIND' ? 'an operation' : 'a value form';
      return present.length === 0
        ? at(code, `expected ${what} with exactly one of: ${kinds.join(', ')}; got keys ${Object.keys(obj).join(', ') || '(none)'}`)
        : at(code, `${what} has exactly one of ${kinds.join(', ')}; this one has ${present.join(' and ')}`);
    }
    case 'maxLength': case 'minLength': case 'minimum': case 'maximum': case 'minItems': case 'maxItems': case 'minProperties':
      return at('E_RANGE', `${describe(e.data)}: ${e.message ?? 'out of range'}`);
    case 'uniqueItems':
      return at('E_RANGE', `items must be unique (${String(params.j)} and ${String(params.i)} are the same)`);
    default:
      return at('E_SCHEMA', `${e.message ?? e.keyword}`);
  }
}

function nameRule(e: ErrorObject): string {
  return e.schemaPath.includes('identifier') || e.schemaPath.startsWith('#/$defs/identifier')
    ? 'expected a SQL identifier [a-z_][a-z0-9_]*, at most 64 characters'
    : (e.message ?? 'invalid name');
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
