/**
 * One pass: the parts of a document the schema rejected are cut out, so the semantic checks run on
 * everything else (a file with eight mistakes reports eight, not the two the schema sees first).
 *
 * What may be cut is read from the schema, not listed here, so keys added to the schema later get
 * this for free: an entry of a map (`additionalProperties`) or a list (`items`), or an optional
 * property. A value (`$defs/value`) is replaced by the path `$` instead of cut, so a column whose
 * value is malformed still counts as assigned. A required top-level key that is broken is replaced
 * by an empty value of its type and the document is left out of the checks across projections.
 *
 * An unknown key is cut alone (see `prune`), not the object holding it.
 *
 * The cut paths are remembered (`brokenOf`), so that a reference to a cut table or column is not
 * reported a second time as unknown; and list items keep their original index (`originalIndex`),
 * so diagnostics of the remaining items point at the right place.
 */
import type { ErrorObject } from 'ajv';
import { parsePointer, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';

type SchemaNode = Record<string, unknown>;

export interface Pruned {
  value: Record<string, unknown>;
  /** A required top-level key was replaced by a placeholder: leave the document out of cross checks. */
  partial: boolean;
}

/** Pointers ("/tables/t/columns/c") of everything cut or replaced, per document. */
const BROKEN = new WeakMap<SpecDocument, Set<string>>();
/** Original indexes of a pruned list's items. */
const INDEXES = new WeakMap<readonly unknown[], number[]>();

/** Whether the schema rejected the part at `path` (or a part containing it). */
export function isBroken(doc: SpecDocument, path: readonly Segment[]): boolean {
  const broken = BROKEN.get(doc);
  if (broken === undefined || broken.size === 0) return false;
  let pointer = '';
  if (broken.has(pointer)) return true;
  for (const seg of path) {
    pointer += `/${String(seg).replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (broken.has(pointer)) return true;
  }
  return false;
}

/** The index an item of a pruned list had in the document. */
export function originalIndex(list: readonly unknown[], i: number): number {
  return INDEXES.get(list)?.[i] ?? i;
}

interface Step {
  schemas: SchemaNode[];
  /** The step went through `items` or `additionalProperties`, or to a property no branch requires. */
  removable: boolean;
  /** The step reached a value (`$defs/value`): replace it, do not remove it. */
  value: boolean;
}

export class Pruner {
  private readonly defs: Record<string, SchemaNode>;
  private readonly valueDef: SchemaNode | undefined;

  constructor(private readonly root: SchemaNode) {
    this.defs = (root.$defs ?? {}) as Record<string, SchemaNode>;
    this.valueDef = this.defs.value;
  }

  /**
   * Cut what `errors` reject from `data`; record what was cut for `doc`. `check` is the schema's
   * validation (errors of a value, none when it passes).
   *
   * Unknown keys go first, each alone, and what is left is validated again: an unknown key fails
   * its whole object (an operation's `if`/`then`, a column's `oneOf`), and cutting that object would
   * hide its other mistakes (issue 17). Not in an object of no or several kinds: which of its keys
   * are unknown depends on the kind meant, so it is judged whole, as before. Only object keys are
   * cut in that first round, so list items keep their indexes.
   */
  prune(doc: SpecDocument, data: Record<string, unknown>, errors: readonly ErrorObject[], check: (v: unknown) => readonly ErrorObject[]): Pruned {
    const kindless = new Set(errors.filter((e) => isKindChoice(e)).map((e) => e.instancePath));
    const unknown = new Map<string, 'remove'>();
    for (const e of errors) {
      if (e.keyword !== 'additionalProperties' || kindless.has(e.instancePath)) continue;
      unknown.set(pointerOf([...parsePointer(e.instancePath), String((e.params as Record<string, unknown>).additionalProperty)]), 'remove');
    }
    if (unknown.size === 0) return this.pruneOnce(doc, data, errors, new Set());
    const rest = this.rebuild(data, '', [this.root], unknown) as Record<string, unknown>;
    return this.pruneOnce(doc, rest, check(rest), new Set(unknown.keys()));
  }

  private pruneOnce(doc: SpecDocument, data: Record<string, unknown>, errors: readonly ErrorObject[], cutBefore: Set<string>): Pruned {
    const cuts = new Map<string, 'remove' | 'value' | 'placeholder'>();
    let partial = false;
    for (const e of errors) {
      const path = parsePointer(e.instancePath);
      const params = e.params as Record<string, unknown>;
      if (e.keyword === 'additionalProperties') path.push(String(params.additionalProperty));
      else if (e.propertyName !== undefined) path.push(e.propertyName);
      else if (e.keyword === 'required' && path.length === 0) path.push(String(params.missingProperty));
      const cut = this.cutPoint(path);
      if (cut.length === 0) continue; // the root itself: checkSchema reports it is not a mapping
      const action = cut.length === 1 && !this.stepsOf(cut)[0]?.removable ? 'placeholder' : this.stepsOf(cut)[cut.length - 1]?.value ? 'value' : 'remove';
      if (action === 'placeholder') partial = true;
      cuts.set(pointerOf(cut), action);
    }
    BROKEN.set(doc, new Set([...cutBefore, ...cuts.keys()]));
    return { value: this.rebuild(data, '', [this.root], cuts) as Record<string, unknown>, partial };
  }

  /** The deepest prefix of `path` that can be cut (or its first segment when none can). */
  private cutPoint(path: Segment[]): Segment[] {
    const steps = this.stepsOf(path);
    for (let i = steps.length - 1; i >= 0; i--) {
      if (steps[i]?.removable || steps[i]?.value) return path.slice(0, i + 1);
    }
    return path.slice(0, 1);
  }

  private stepsOf(path: readonly Segment[]): Step[] {
    const steps: Step[] = [];
    let schemas = [this.root];
    for (const seg of path) {
      const step = this.step(schemas, seg);
      steps.push(step);
      schemas = step.schemas;
    }
    return steps;
  }

  private step(parents: SchemaNode[], seg: Segment): Step {
    const schemas: SchemaNode[] = [];
    let entry = false;
    let property = false;
    let required = false;
    for (const n of parents.flatMap((p) => this.expand(p))) {
      if (Array.isArray(n.required) && n.required.includes(seg)) required = true;
      const props = n.properties as Record<string, SchemaNode> | undefined;
      if (typeof seg === 'number' && isNode(n.items)) {
        schemas.push(n.items);
        entry = true;
      } else if (typeof seg === 'string' && props !== undefined && Object.hasOwn(props, seg) && isNode(props[seg])) {
        schemas.push(props[seg]);
        property = true;
      } else if (typeof seg === 'string' && isNode(n.additionalProperties)) {
        schemas.push(n.additionalProperties);
        entry = true;
      }
    }
    const value = this.valueDef !== undefined && schemas.some((s) => this.resolve(s) === this.valueDef);
    return { schemas, removable: (entry && !property) || (property && !required), value };
  }

  private resolve(n: SchemaNode): SchemaNode {
    const ref = n.$ref;
    if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return n;
    return this.defs[ref.slice('#/$defs/'.length)] ?? n;
  }

  /** A schema node and every subschema that applies to the same instance (allOf, anyOf, oneOf, then). */
  private expand(n: SchemaNode, seen = new Set<SchemaNode>()): SchemaNode[] {
    const r = this.resolve(n);
    if (seen.has(r)) return [];
    seen.add(r);
    const out = [r];
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = r[key];
      if (Array.isArray(list)) for (const s of list) if (isNode(s)) out.push(...this.expand(s, seen));
    }
    if (isNode(r.then)) out.push(...this.expand(r.then, seen));
    return out;
  }

  private rebuild(data: unknown, pointer: string, schemas: SchemaNode[], cuts: Map<string, string>): unknown {
    if (Array.isArray(data)) {
      const items: unknown[] = [];
      const indexes: number[] = [];
      data.forEach((item, i) => {
        const p = `${pointer}/${i}`;
        const cut = cuts.get(p);
        if (cut === 'remove') return;
        items.push(cut === 'value' ? '$' : this.rebuild(item, p, this.step(schemas, i).schemas, cuts));
        indexes.push(i);
      });
      if (items.length !== data.length) INDEXES.set(items, indexes);
      return items;
    }
    if (data === null || typeof data !== 'object') return data;
    const out: Record<string, unknown> = {};
    // defineProperty: a `__proto__` key stays a key (assigning it would set the prototype).
    const set = (k: string, v: unknown) => Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    for (const [k, v] of Object.entries(data)) {
      const p = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
      const cut = cuts.get(p);
      if (cut === 'remove') continue;
      const step = this.step(schemas, k);
      if (cut === 'value') set(k, '$');
      else if (cut === 'placeholder') set(k, emptyOf(step.schemas));
      else set(k, this.rebuild(v, p, step.schemas, cuts));
    }
    if (pointer === '') {
      // A missing required top-level key gets its placeholder too.
      for (const [p, cut] of cuts) {
        const k = parsePointer(p)[0];
        if (cut === 'placeholder' && typeof k === 'string' && !Object.hasOwn(out, k)) set(k, emptyOf(this.step(schemas, k).schemas));
      }
    }
    return out;
  }
}

/** A failed choice of kind (a `oneOf` of `{required: [k]}` selectors only): the object has no kind or several. */
function isKindChoice(e: ErrorObject): boolean {
  const choices = (e.parentSchema as SchemaNode | undefined)?.oneOf;
  return e.keyword === 'oneOf' && Array.isArray(choices) && choices.every((c) => isNode(c) && Object.keys(c).length === 1 && Array.isArray(c.required));
}

function emptyOf(schemas: SchemaNode[]): unknown {
  const type = schemas.map((s) => s.type).find((t) => typeof t === 'string');
  return type === 'object' ? {} : type === 'array' ? [] : type === 'string' ? 'x' : null;
}

function isNode(v: unknown): v is SchemaNode {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function pointerOf(path: readonly Segment[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}
