/** Checks of value specs: path syntax, loop-only paths, literal types, and where each form may stand. */
import type { Diagnostic } from '../diagnostics.js';
import { checkPath } from '../compile/accessor.js';
import type { ColumnDef } from '../compile/plan.js';
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

export function checkPathText(ctx: ValueContext, path: Segment[], text: string, out: Diagnostic[]): void {
  const ref = parsePathRef(text);
  if ('invalid' in ref) {
    out.push(diagnosticAt(ctx.spec, path, 'E_VALUE_SYNTAX', `"${text}" is not a path: expected $.field, $item, $item.field or $index (write { const: "${text}" } for a literal that starts with $)`));
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

export function checkValue(ctx: ValueContext, path: Segment[], v: ValueSpec, out: Diagnostic[]): void {
  if (!isForm(v)) {
    if (isPathString(v)) checkPathText(ctx, path, v, out);
    else checkLiteral(ctx, path, v, out);
    return;
  }
  const inner: ValueContext = { ...ctx, column: undefined, keepAllowed: false, replaceAllowed: false };
  if ('const' in v) {
    checkLiteral(ctx, [...path, 'const'], v.const, out);
  } else if ('path' in v) {
    checkPathText(ctx, [...path, 'path'], v.path, out);
    if (v.default !== undefined) checkLiteral(ctx, [...path, 'default'], v.default, out);
    if (v.if_missing === 'keep' && !ctx.keepAllowed) {
      out.push(diagnosticAt(ctx.spec, [...path, 'if_missing'], 'E_KEEP_OUTSIDE_UPDATE', 'if_missing: keep applies to update and increment set only (there is no stored value to keep otherwise)'));
    }
  } else if ('count' in v) {
    checkPathText(ctx, [...path, 'count'], v.count, out);
  } else if ('json' in v) {
    checkValue(inner, [...path, 'json'], v.json, out);
  } else if ('equals' in v) {
    v.equals.forEach((x, i) => checkValue(inner, [...path, 'equals', i], x, out));
  } else if ('coalesce' in v) {
    v.coalesce.forEach((x, i) => checkValue({ ...inner, column: ctx.column }, [...path, 'coalesce', i], x, out));
  } else if ('map' in v) {
    checkPathText(ctx, [...path, 'map'], v.map, out);
    for (const [k, x] of Object.entries(v.to)) checkValue({ ...inner, inLoop: true }, [...path, 'to', k], x, out);
  } else if ('object' in v) {
    for (const [k, x] of Object.entries(v.object)) checkValue(inner, [...path, 'object', k], x, out);
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

function checkLiteral(ctx: ValueContext, path: Segment[], v: unknown, out: Diagnostic[]): void {
  if (ctx.column === undefined) return;
  if (v === null) {
    if (!ctx.column.nullable) out.push(diagnosticAt(ctx.spec, path, 'E_LITERAL_TYPE', `column ${ctx.column.name} is NOT NULL: null is not allowed (add nullable: true)`));
    return;
  }
  const problem = coerceLiteral(ctx.column, v);
  if (problem !== null) out.push(diagnosticAt(ctx.spec, path, 'E_LITERAL_TYPE', problem));
}
