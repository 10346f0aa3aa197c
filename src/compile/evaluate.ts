/**
 * Value expressions → functions. `bindValue` runs once per expression at start-up and compiles
 * every path it meets; the returned evaluator only reads, so per-event work is property access.
 */
import { isUtf8 } from 'node:buffer';
import { compilePath } from './accessor.js';
import { ExactNumber } from './exact-number.js';
import { PathSlots } from './extract.js';
import type { MetaName, PathRoot, ValueExpr } from './plan.js';

/** The message an event came in (`$source.…`, `$type`, `$now`). */
export interface MessageMeta {
  msg: { topic: string; partition: number; offset: number; key: Buffer | null; timestamp?: number; headers?: MessageHeaders };
  /**
   * The key as a format that decodes it with the message decoded it (`json`: the parsed value,
   * null for no key); undefined under `string`, whose key is read as text only when a path reads it.
   */
  key?: unknown;
  /** The type field's value as text, or null. */
  typeText: string | null;
  /** When the batch is applied: an ISO-8601 instant. */
  now: string;
}

/** What an expression can read: the event, and inside `for_each` / `map` the current element. */
export interface EvalContext {
  event: unknown;
  /** The message's metadata; its values are undefined when absent (a bare evaluation). */
  meta?: MessageMeta;
  item?: unknown;
  index?: number;
  /** The handler's extracted event paths, by slot (see extract.ts); read from `event` when absent. */
  paths?: readonly unknown[];
  /** The same for the current item's paths. */
  itemPaths?: readonly unknown[];
}

/** Where bound paths take their slots: the handler's event paths, the current array's item paths. */
export interface Slots {
  event?: PathSlots;
  item?: PathSlots;
}

export type Evaluator = (ctx: EvalContext) => unknown;

/**
 * Bind a value expression to an evaluator.
 *
 * - `path`: the value, or `undefined` when missing; `default` replaces `undefined` and `null`.
 *   A path with `*`, `..`, a slice or a union yields the array of its matches.
 * - `count`: the length of the array at the path; 0 when missing, null or not an array.
 * - `json`: the inner value unchanged; it is serialized by the json column's coercion, so the
 *   same value stored in a json column and compared with `equals` stays one thing.
 * - `equals`: strict deep equality (no type juggling; `undefined` equals only `undefined`).
 * - `coalesce`: the first value that is neither `undefined` nor `null`, else `null`.
 * - `map`: one object per array element, with the element as `item` and its position as `index`;
 *   `undefined` when the source is not an array (missing, null or a scalar).
 * - `object`: the evaluated fields; fields that evaluate to `undefined` are left out.
 * - `meta`: the message's topic, partition, offset, key (text, null when none; KeyNotUtf8 is
 *   thrown for a key that is not valid UTF-8), timestamp
 *   (ISO-8601, undefined when the source has none), type text, or the time of application.
 */
export function bindValue(expr: ValueExpr, slots: Slots = {}): Evaluator {
  const bind = (e: ValueExpr): Evaluator => bindValue(e, slots);
  switch (expr.kind) {
    case 'literal': {
      const { value } = expr;
      return () => value;
    }
    case 'path': {
      const read = reader(expr.root, expr.path, slots);
      const fallback = expr.default;
      if (fallback === undefined) return read;
      return (ctx) => {
        const v = read(ctx);
        return v === undefined || v === null ? fallback : v;
      };
    }
    case 'index':
      return (ctx) => ctx.index;
    case 'count': {
      const read = reader(expr.root, expr.path, slots);
      return (ctx) => {
        const v = read(ctx);
        return Array.isArray(v) ? v.length : 0;
      };
    }
    case 'json':
      return bind(expr.value);
    case 'equals': {
      const left = bind(expr.left);
      const right = bind(expr.right);
      return (ctx) => deepEqual(left(ctx), right(ctx));
    }
    case 'coalesce': {
      const values = expr.values.map(bind);
      return (ctx) => {
        for (const value of values) {
          const v = value(ctx);
          if (v !== undefined && v !== null) return v;
        }
        return null;
      };
    }
    case 'map': {
      const read = reader(expr.root, expr.path, slots);
      const itemSlots = new PathSlots();
      const build = bindFields(expr.to, { event: slots.event, item: itemSlots });
      const extractItem = itemSlots.extractor();
      return (ctx) => {
        const source = read(ctx);
        if (!Array.isArray(source)) return undefined;
        return source.map((item: unknown, index) => build({ event: ctx.event, paths: ctx.paths, meta: ctx.meta, item, index, itemPaths: extractItem(item) }));
      };
    }
    case 'object':
      return bindFields(expr.fields, slots);
    case 'meta':
      return metaReader(expr.name);
    case 'key': {
      // `$key` itself skips the path walk: it is the common case (a key used as a table key).
      const get = expr.path === '$' ? undefined : compilePath(expr.path).get;
      return (ctx) => {
        const key = ctx.meta?.key !== undefined ? ctx.meta.key : keyText(ctx.meta?.msg.key, '$key');
        return get === undefined ? key : get(key);
      };
    }
    case 'header': {
      const { name } = expr;
      return (ctx) => headerText(ctx.meta?.msg.headers, name);
    }
    default: {
      const unknownKind: never = expr;
      throw new Error(`unknown value expression ${JSON.stringify(unknownKind)}`);
    }
  }
}

function metaReader(name: MetaName): Evaluator {
  switch (name) {
    case 'source.topic': return (ctx) => ctx.meta?.msg.topic;
    case 'source.partition': return (ctx) => ctx.meta?.msg.partition;
    case 'source.offset': return (ctx) => ctx.meta?.msg.offset;
    case 'source.key': return (ctx) => keyText(ctx.meta?.msg.key, '$source.key');
    case 'source.timestamp': return (ctx) => {
      const ms = ctx.meta?.msg.timestamp;
      return ms === undefined ? undefined : new Date(ms).toISOString();
    };
    case 'type': return (ctx) => ctx.meta?.typeText;
    case 'now': return (ctx) => ctx.meta?.now;
  }
}

/** The key as text: undefined in a bare evaluation, null when the message has none. */
function keyText(key: Buffer | null | undefined, read: string): string | null | undefined {
  if (key === undefined || key === null) return key;
  // toString('utf8') would turn every invalid byte into U+FFFD: keys 0xFF and 0xFE would
  // become one text and their entities one row. Such a key is the event's error instead.
  if (!isUtf8(key)) throw new KeyNotUtf8(key, read);
  return key.toString('utf8');
}

/**
 * Kafka headers as the record lists them; a name may repeat (KIP-82 allows it), which is why this
 * is a list and not an object. Dead letters keep them all.
 */
export type MessageHeaders = ReadonlyArray<readonly [string, Buffer]>;

/**
 * `$headers.<name>`: the LAST header of that name (a repeated header is usually a later hop
 * overriding an earlier one), as text, or base64 when its bytes are not UTF-8 (never text with
 * replacement characters); undefined when absent, so `default` and `coalesce` apply.
 */
export function headerText(headers: MessageHeaders | undefined, name: string): string | undefined {
  if (headers === undefined) return undefined;
  for (let i = headers.length - 1; i >= 0; i--) {
    const h = headers[i] as readonly [string, Buffer];
    if (h[0] === name) return isUtf8(h[1]) ? h[1].toString('utf8') : h[1].toString('base64');
  }
  return undefined;
}

/**
 * Thrown when an expression reads `$source.key` or a `string` key as `$key` of a message whose key is not valid UTF-8; the
 * operation that evaluated it dead-letters the event with the reason (runtime/apply/bind.ts).
 */
export class KeyNotUtf8 extends Error {
  constructor(readonly key: Buffer, read = '$source.key') {
    super(`${read} is not valid UTF-8`);
    this.name = 'KeyNotUtf8';
  }
}

function reader(root: PathRoot, path: string, slots: Slots): Evaluator {
  const { get } = compilePath(path);
  if (root === 'item') {
    if (slots.item === undefined) return (ctx) => get(ctx.item);
    const i = slots.item.slot(path);
    return (ctx) => (ctx.itemPaths !== undefined ? ctx.itemPaths[i] : get(ctx.item));
  }
  if (slots.event === undefined) return (ctx) => get(ctx.event);
  const i = slots.event.slot(path);
  return (ctx) => (ctx.paths !== undefined ? ctx.paths[i] : get(ctx.event));
}

function bindFields(fields: Record<string, ValueExpr>, slots: Slots): Evaluator {
  const names = Object.keys(fields);
  const values = names.map((name) => bindValue(fields[name] as ValueExpr, slots));
  return (ctx) => {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < names.length; i++) {
      const v = values[i]?.(ctx);
      if (v === undefined) continue;
      const name = names[i] as string;
      // A plain assignment to "__proto__" would set the prototype instead of a key.
      if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
      else out[name] = v;
    }
    return out;
  };
}

/** Deep equality over JSON-like values: same type, arrays element by element, same own keys. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  // Its text is under a symbol, which Object.keys does not list.
  if (a instanceof ExactNumber || b instanceof ExactNumber) return a instanceof ExactNumber && b instanceof ExactNumber && a.text === b.text;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x: unknown, i) => deepEqual(x, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  return ka.every((k) => Object.hasOwn(rb, k) && deepEqual(ra[k], rb[k]));
}
