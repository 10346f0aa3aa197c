/** Checks of value specs: path syntax, loop-only paths, literal types, and where each form may stand. */
import type { Diagnostic } from '../diagnostics.js';
import { checkPath } from '../compile/accessor.js';
import { META_NAMES, type ColumnDef } from '../compile/plan.js';
import { isForm, isPathString, parsePathRef } from '../compile/value.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import type { ValueSpec } from '../spec/types.js';
import { coerceLiteral } from '../sql/coerce.js';

export interface ValueContext {
  spec: SpecDocument;
  /** Inside for_each or map: $item and $index are defined. */
  inLoop: boolean;
  /** The column the value is assigned to, when it is assigned directly. */
  column?: ColumnDef;
  /** if_missing: keep is allowed (update and increment `set`). */
  keepAllowed: boolean;
  /** replace_in is allowed (update `set`). */
  replaceAllowed: boolean;
}

/**
 * `where` says what the text stands for: a value (a column's, a field's) may also be one of the
 * message's metadata (`$source.offset`, `$type`, `$now`); a `path` (for_each, count, map, the
 * envelope) must read the event or the loop item.
 */
export function checkPathText(ctx: ValueContext, path: Segment[], text: string, out: Diagnostic[], where: 'value' | 'path' = 'value'): void {
  const ref = parsePathRef(text);
  if ('invalid' in ref) {
    const meant = meantPath(text.slice(1), ctx.inLoop, namesOf(ctx.spec));
    const hint = meant === undefined ? '' : ` (did you mean "${meant}"?)`;
    out.push(diagnosticAt(ctx.spec, path, 'E_VALUE_SYNTAX', `"${text}" is not a path${hint}: expected $.field, $item, $item.field, $index, $key, $key.field or $headers.<name> (write { const: "${text}" } for a literal that starts with $; the message itself is $raw, ${META_NAMES.map((n) => `$${n}`).join(', ')})`));
    return;
  }
  if ('meta' in ref || 'key' in ref || 'header' in ref) {
    if (where === 'path') out.push(diagnosticAt(ctx.spec, path, 'E_VALUE_SYNTAX', `"${text}" is the message's metadata, not a path: expected $.field or $item.field here`));
    else if ('key' in ref) checkKeyPath(ctx, path, text, ref.key, out);
    return;
  }
  if (('index' in ref || ref.root === 'item') && !ctx.inLoop) {
    out.push(diagnosticAt(ctx.spec, path, 'E_ITEM_OUTSIDE_LOOP', `"${text}" is only defined inside for_each or map`));
    return;
  }
  if ('root' in ref) {
    const problem = checkPath(ref.path);
    if (problem !== null) out.push(diagnosticAt(ctx.spec, path, 'E_JSONPATH', `invalid JSONPath "${text}": ${problem}`));
  }
}

/** `$key.<path>` is a JSONPath into the key, which only a structured key format has. */
function checkKeyPath(ctx: ValueContext, path: Segment[], text: string, keyPath: string, out: Diagnostic[]): void {
  if (keyPath === '$') return;
  const problem = checkPath(keyPath);
  if (problem !== null) {
    out.push(diagnosticAt(ctx.spec, path, 'E_JSONPATH', `invalid JSONPath "${text}": ${problem}`));
    return;
  }
  const format = keyFormatOf(ctx.spec);
  if (format === 'string') out.push(diagnosticAt(ctx.spec, path, 'E_KEY_FORMAT', `"${text}" reads a field of the key, but this projection's key format is string (text, no fields): set formats: { key: json } (or avro, protobuf, json-schema), or read the whole key as $key`));
}

function keyFormatOf(doc: SpecDocument): string {
  const spec = doc.value as { formats?: { key?: unknown } } | null;
  const key = spec?.formats?.key;
  return typeof key === 'string' ? key : 'string';
}

export function checkValue(ctx: ValueContext, path: Segment[], v: ValueSpec, out: Diagnostic[]): void {
  if (!isForm(v)) {
    if (isPathString(v)) checkPathText(ctx, path, v, out);
    else if (!checkNotAPath(ctx, path, v, out)) checkLiteral(ctx, path, v, out);
    return;
  }
  const inner: ValueContext = { ...ctx, column: undefined, keepAllowed: false, replaceAllowed: false };
  if ('const' in v) {
    checkLiteral(ctx, [...path, 'const'], v.const, out);
  } else if ('path' in v) {
    checkPathText(ctx, [...path, 'path'], v.path, out);
    if (v.default !== undefined && !checkNotAPath(ctx, [...path, 'default'], v.default, out)) checkLiteral(ctx, [...path, 'default'], v.default, out);
    if (v.if_missing === 'keep' && !ctx.keepAllowed) {
      out.push(diagnosticAt(ctx.spec, [...path, 'if_missing'], 'E_KEEP_OUTSIDE_UPDATE', 'if_missing: keep applies to update and increment set only (there is no stored value to keep otherwise)'));
    }
  } else if ('count' in v) {
    checkPathText(ctx, [...path, 'count'], v.count, out, 'path');
  } else if ('json' in v) {
    checkValue(inner, [...path, 'json'], v.json, out);
  } else if ('equals' in v) {
    v.equals.forEach((x, i) => checkValue(inner, [...path, 'equals', i], x, out));
  } else if ('coalesce' in v) {
    v.coalesce.forEach((x, i) => checkValue({ ...inner, column: ctx.column }, [...path, 'coalesce', i], x, out));
  } else if ('map' in v) {
    checkPathText(ctx, [...path, 'map'], v.map, out, 'path');
    for (const [k, x] of Object.entries(v.to)) {
      checkPlainName(ctx.spec, [...path, 'to', k], k, 'a key of map.to', out);
      checkValue({ ...inner, inLoop: true }, [...path, 'to', k], x, out);
    }
  } else if ('object' in v) {
    for (const [k, x] of Object.entries(v.object)) {
      checkPlainName(ctx.spec, [...path, 'object', k], k, 'a key of object', out);
      checkValue(inner, [...path, 'object', k], x, out);
    }
  } else {
    if (!ctx.replaceAllowed) {
      out.push(diagnosticAt(ctx.spec, [...path, 'replace_in'], 'E_REPLACE_IN', 'replace_in changes a stored JSON document: it is allowed only as a column value in the set of an update'));
    } else if (ctx.column?.type !== 'json') {
      out.push(diagnosticAt(ctx.spec, [...path, 'replace_in'], 'E_REPLACE_IN', `replace_in changes a stored JSON document: it needs a json column${ctx.column ? `, and ${ctx.column.name} is ${ctx.column.type}` : ''}`));
    }
    v.replace_in.forEach((seg, i) => {
      if (typeof seg === 'string' && isPathString(seg)) checkPathText(ctx, [...path, 'replace_in', i], seg, out);
    });
    checkValue(inner, [...path, 'value'], v.value, out);
  }
}

/**
 * Names a literal is compared with to tell whether it was meant as a path: the top-level fields of
 * the envelope (`data`, `entity_id`, … or the projection's own), and the data fields the projection
 * reads somewhere (`driver_id` when `$.data.driver_id` is read).
 */
export interface PathNames {
  /** First segment of each envelope path → its path (`entity_id` → `$.entity_id`). */
  envelope: Map<string, string>;
  /** The envelope's data field (`data`), whose children are data fields. */
  data: string | undefined;
  /** Data field name → the path that reads it (`driver_id` → `$.data.driver_id`). */
  fields: Map<string, string>;
}

const NAMES = new WeakMap<SpecDocument, PathNames>();

/** Register the names of one projection (its envelope and every event path it reads). */
export function setPathNames(doc: SpecDocument, envelope: Record<string, string>, spec: unknown): void {
  const first = (p: string): string | undefined => /^\$\.([A-Za-z_][A-Za-z0-9_]*)/.exec(p)?.[1];
  const names: PathNames = { envelope: new Map(), data: first(envelope.data ?? ''), fields: new Map() };
  for (const p of Object.values(envelope)) {
    const f = first(p);
    if (f !== undefined && !names.envelope.has(f)) names.envelope.set(f, `$.${f}`);
  }
  const dataPrefix = names.data === undefined ? undefined : `$.${names.data}.`;
  const walk = (v: unknown): void => {
    if (typeof v === 'string') {
      const field = dataPrefix !== undefined && v.startsWith(dataPrefix) ? /^[A-Za-z_][A-Za-z0-9_]*/.exec(v.slice(dataPrefix.length))?.[0] : undefined;
      if (field !== undefined && !names.fields.has(field)) names.fields.set(field, `${dataPrefix ?? ''}${field}`);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(spec);
  NAMES.set(doc, names);
}

function namesOf(doc: SpecDocument): PathNames {
  return NAMES.get(doc) ?? { envelope: new Map(), data: undefined, fields: new Map() };
}

const DOTTED = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*$/;

/**
 * The path a text (without its `$`) was probably meant to be, or undefined when it is no path:
 * `data.x` and `.data.x` → `$.data.x`; `entity_id` → `$.entity_id`; `driver_id` → `$.data.driver_id`
 * when that field is read elsewhere; `item.sku` → `$item.sku` inside a loop. A dotted text whose
 * first part is no envelope field (`thing.created`, `v1.2`) is a plain literal.
 */
function meantPath(text: string, inLoop: boolean, names: PathNames): string | undefined {
  const body = text.startsWith('.') ? text.slice(1) : text;
  if (!DOTTED.test(body)) return undefined;
  const head = /^[A-Za-z_][A-Za-z0-9_]*/.exec(body)?.[0] ?? '';
  const rest = body.slice(head.length);
  if (inLoop && head === 'item') return `$item${rest}`;
  if (inLoop && head === 'index' && rest === '') return '$index';
  if (names.envelope.has(head)) return `$.${body}`;
  const field = names.fields.get(head);
  if (field !== undefined) return `${field}${rest}`;
  return text.startsWith('.') && names.data !== undefined ? `$.${names.data}.${body}` : undefined;
}

/** A literal string that looks like a path is an error (it would be stored as its own text). True when reported. */
function checkNotAPath(ctx: ValueContext, path: Segment[], v: unknown, out: Diagnostic[]): boolean {
  if (typeof v !== 'string') return false;
  const meant = meantPath(v, ctx.inLoop, namesOf(ctx.spec));
  if (meant === undefined) return false;
  out.push(diagnosticAt(ctx.spec, path, 'E_LOOKS_LIKE_PATH', `"${v}" looks like a path but is a literal, stored as this text in every row (did you mean "${meant}"?): write ${meant} to read the event, or { const: ${JSON.stringify(v)} } to store the text`));
  return true;
}

/**
 * Names that are properties of every JavaScript object (`__proto__`, `constructor`, `toString`…):
 * as an event type its handler would be looked up on the prototype, as an object key it would set
 * the prototype instead of a field. They are refused wherever a name becomes a key.
 */
const PROTOTYPE_NAMES = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export function checkPlainName(spec: SpecDocument, path: Segment[], name: string, what: string, out: Diagnostic[]): void {
  if (PROTOTYPE_NAMES.has(name)) {
    out.push(diagnosticAt(spec, path, 'E_RESERVED_NAME', `${JSON.stringify(name)} cannot be ${what}: it is a property of every JavaScript object`, 'key'));
  }
}

function checkLiteral(ctx: ValueContext, path: Segment[], v: unknown, out: Diagnostic[]): void {
  if (ctx.column === undefined) return;
  if (v === null) {
    if (!ctx.column.nullable) out.push(diagnosticAt(ctx.spec, path, 'E_LITERAL_TYPE', `column ${ctx.column.name} is NOT NULL: null is not allowed (add nullable: true)`));
    return;
  }
  const problem = coerceLiteral(ctx.column, v);
  if (problem !== null) out.push(diagnosticAt(ctx.spec, path, 'E_LITERAL_TYPE', problem));
}
