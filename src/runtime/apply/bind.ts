/**
 * Bind the plan once at start-up: every value expression becomes an evaluator, every column its
 * coercion. `BoundOperation.rows` then only evaluates, coerces and pushes row changes.
 */
import { compilePath } from '../../compile/accessor.js';
import { bindValue, KeyNotUtf8, type EvalContext, type Evaluator, type MessageMeta } from '../../compile/evaluate.js';
import { ExactNumber, jsonText } from '../../compile/exact-number.js';
import { PathSlots } from '../../compile/extract.js';
import { parsePathRef, refExpr } from '../../compile/value.js';
import type { Assignment, ColumnDef, EnvelopePaths, Operation, TableDef, ValueExpr } from '../../compile/plan.js';
import { coerce, CoerceError, type SqlValue } from '../../sql/coerce.js';
import { negateNumeric, type Numeric } from '../../sql/numeric.js';
import { EventError } from './event-error.js';
import { invalidUtf8Offset } from './message.js';
import { describeValue, jsonDepth, jsonPath, MAX_JSON_DEPTH } from './json-values.js';
import type { RowChange, SetPart } from '../../sql/rows.js';

// Imported from here before they had a module of their own.
export { describeValue, jsonDepth, jsonPath, MAX_JSON_DEPTH, MAX_JSON_INDEX } from './json-values.js';

/**
 * Apply one operation to an event: push its row changes. `paths` is the handler's extraction of
 * the event, `meta` its message (`$source.…`). The event is any JSON value on a default route.
 * Returns how many of its row changes were left out under `on_missing: skip` (0 or 1; one per
 * element for an insert with for_each).
 */
export type BoundOperation = (event: unknown, out: RowChange[], paths?: readonly unknown[], meta?: MessageMeta) => number;

interface BoundValue {
  column: ColumnDef;
  mode: Assignment['mode'];
  eval: Evaluator;
  at: Evaluator[];
  /** The value's source as the spec wrote it, for reasons: `$.data.user_id`. */
  source: string;
  atSource: string[];
}

/** A row that cannot be identified or a required value that is missing: skipped or dead-lettered by the op's rule. */
class Missing {
  constructor(readonly what: string) {}
}

export function bindOperation(op: Operation, tables: Map<string, TableDef>, envelope: EnvelopePaths, where: { projection: string; eventType: string }, slots?: PathSlots): BoundOperation {
  const table = tables.get(op.table);
  if (table === undefined) throw new Error(`bind: unknown table ${op.table}`);
  const col = (name: string): ColumnDef => {
    const c = table.columns.find((x) => x.name === name);
    if (c === undefined) throw new Error(`bind: unknown column ${table.name}.${name}`);
    return c;
  };
  // Child rows read their item's paths through one extractor per item, as handlers read events.
  const itemSlots = op.kind === 'insert' && op.forEach !== undefined ? new PathSlots() : undefined;
  const valueSlots = { event: slots, item: itemSlots };
  const bind = (as: Assignment[]): BoundValue[] =>
    as.map((a) => ({
      column: col(a.column), mode: a.mode, eval: bindValue(a.value, valueSlots), at: a.mode === 'replace_in' ? a.at.map((x) => bindValue(x, valueSlots)) : [],
      source: exprText(a.value), atSource: a.mode === 'replace_in' ? a.at.map(exprText) : [],
    }));
  const fail = (message: string): never => { throw new EventError(message, where.projection, where.eventType); };
  const opName = `${op.kind === 'increment' && op.sign === -1 ? 'decrement' : op.kind === 'insert' && op.log === true ? 'log' : op.kind} ${table.name}`;
  const skipMissing = op.onMissing === 'skip';
  /**
   * Run one row's evaluation under the op's missing rule: 1 when skipped (on_missing: skip),
   * else the event is dead-lettered with a reason naming projection, operation, column and path.
   */
  const guarded = (f: () => void): number => {
    try {
      f();
      return 0;
    } catch (e) {
      if (e instanceof KeyNotUtf8) return fail(`projection ${where.projection}, ${opName}: ${e.message} (first invalid byte at offset ${invalidUtf8Offset(e.key)}); a binary key is never read as text with replacement characters`);
      if (!(e instanceof Missing)) throw e;
      if (skipMissing) return 1;
      return fail(`projection ${where.projection}, ${opName}: ${e.what} (on_missing: skip would count it as missed instead)`);
    }
  };
  const missing = (what: string): never => { throw new Missing(what); };
  const isKey = (b: BoundValue) => table.key.includes(b.column.name);
  const value = (b: BoundValue, ctx: EvalContext): SqlValue => {
    let v = b.eval(ctx);
    if (v === undefined || (v === null && !b.column.nullable)) v = b.column.default ?? v;
    if (v === undefined || v === null) {
      if (b.column.nullable) return null;
      if (isKey(b)) return missing(`key column ${b.column.name} has no value at ${b.source} (missing or null)`);
      return missing(`column ${b.column.name} is NOT NULL but has no value at ${b.source} (missing or null)`);
    }
    if (b.column.type === 'json' && typeof v === 'object') checkDepth(b, v);
    return coerced(b, v);
  };
  const coerced = (b: BoundValue, v: unknown): SqlValue => {
    try {
      return coerce(b.column, v);
    } catch (e) {
      if (e instanceof CoerceError) return fail(`column ${table.name}.${e.column} (${e.type}): ${e.reason}`);
      throw e;
    }
  };
  /** A replace_in value: JSON text for objects and arrays (bounded in depth), else a scalar. */
  const replacement = (b: BoundValue, raw: unknown): { value: SqlValue; json: boolean } => {
    if (raw === undefined || raw === null) return { value: null, json: false };
    // A number past a double's digits goes in as JSON text, so the document keeps it as written.
    if (raw instanceof ExactNumber) return { value: raw.text, json: true };
    if (typeof raw === 'object') {
      checkDepth(b, raw);
      return { value: jsonText(raw) ?? 'null', json: true };
    }
    if (typeof raw === 'string' || (typeof raw === 'number' && Number.isFinite(raw))) return { value: raw, json: false };
    if (typeof raw === 'boolean') return { value: JSON.stringify(raw), json: true };
    return fail(`replace_in ${table.name}.${b.column.name}: cannot store ${describeValue(raw)}`);
  };
  const checkDepth = (b: BoundValue, v: unknown): void => {
    const depth = jsonDepth(v, MAX_JSON_DEPTH);
    if (depth > MAX_JSON_DEPTH) fail(`column ${table.name}.${b.column.name} (json): the value nests deeper than ${MAX_JSON_DEPTH} levels, which MariaDB does not accept`);
  };
  // The operation's own version (of the row it writes, issue 17) or the envelope's: the same value
  // the compiled plan stores in the version column.
  // The envelope's may be read from the record too ($headers.ce_version, $key.v): an expression.
  const ownVersion = op.kind !== 'increment' && op.version !== undefined ? op.version : undefined;
  const versionText = ownVersion === undefined ? envelope.version : ownVersion.root === 'item' ? `$item${ownVersion.path.slice(1)}` : ownVersion.path;
  const version: Evaluator = bindValue(ownVersion === undefined ? refExpr(parsePathRef(envelope.version), envelope.version) : { kind: 'path', ...ownVersion });
  const versionOf = (ctx: EvalContext): SqlValue => {
    const v = version(ctx);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
      return fail(`table ${table.name} is version-guarded but the event has no integer version at ${versionText}`);
    }
    return v;
  };

  switch (op.kind) {
    case 'insert': {
      const values = bind(op.values);
      const columns = values.map((b) => b.column.name);
      const defs = values.map((b) => b.column);
      const update = op.onConflict.action === 'update' ? op.onConflict.columns : [];
      const shape = `i|${table.name}|${columns.join(',')}|${update.join(',')}|${op.guard ?? ''}`;
      const items = op.forEach ? compilePath(op.forEach.path).get : undefined;
      const fromItem = op.forEach?.root === 'item';
      const row = (ctx: EvalContext, out: RowChange[]) => {
        // As for guarded updates and deletes: an event without an integer version is a dead
        // letter, never a row at version 0 that any later event would overwrite.
        if (op.guard !== undefined) versionOf(ctx);
        const r: RowChange = { kind: 'insert', table: table.name, shape, columns, values: values.map((b) => value(b, ctx)), key: table.key, update, defs };
        if (op.guard !== undefined) r.guard = op.guard;
        out.push(r);
      };
      if (items === undefined) return (event, out, paths, meta) => guarded(() => row({ event, paths, meta }, out));
      const extractItem = (itemSlots as PathSlots).extractor();
      return (event, out, paths, meta) => {
        const list = items(fromItem ? undefined : event);
        // No array, no child rows: an empty or absent list is a list of nothing, not a missing value.
        if (!Array.isArray(list)) return 0;
        let missed = 0;
        list.forEach((item: unknown, index) => { missed += guarded(() => row({ event, paths, meta, item, index, itemPaths: extractItem(item) }, out)); });
        return missed;
      };
    }
    case 'update':
    case 'increment': {
      const where = bind(op.where);
      const set = bind(op.set);
      const add = op.kind === 'increment' ? bind(op.add) : [];
      const sign = op.kind === 'increment' ? op.sign : 1;
      const upsert = op.kind === 'increment' && op.createMissing;
      const guard = op.kind === 'update' ? op.guard : undefined;
      const staticShape = `u|${table.name}|${where.map((b) => b.column.name).join(',')}|${upsert ? 'upsert' : ''}|${guard ?? ''}|`;
      return (event, out, paths, meta) => guarded(() => {
        const ctx: EvalContext = { event, paths, meta };
        const whereValues = where.map((b) => b.eval(ctx));
        // No row can be identified by a missing key: the op's on_missing rule decides (never a silent no-op).
        whereValues.forEach((v, i) => {
          if (v === undefined || v === null) missing(`where column ${(where[i] as BoundValue).column.name} has no value at ${(where[i] as BoundValue).source} (missing or null)`);
        });
        const parts: SetPart[] = [];
        for (const b of add) {
          const n = b.eval(ctx);
          if (n === undefined || n === null) missing(`amount for ${b.column.name} has no value at ${b.source} (missing or null)`);
          if (typeof n !== 'number' && typeof n !== 'string' && !(n instanceof ExactNumber)) fail(`cannot add ${describeValue(n)} to ${table.name}.${b.column.name}: not a number`);
          // The amount is coerced as a stored value would be (an INT takes integers only, a
          // DECIMAL rounds to its scale), so both databases add the same exact number.
          const amount = coerced(b, n);
          parts.push({ mode: 'add', column: b.column.name, value: sign < 0 ? negateNumeric(amount) : amount, base: b.column.default === undefined || b.column.default === null ? 0 : coerce(b.column, b.column.default), numeric: numericOf(b.column) });
        }
        for (const b of set) {
          if (b.mode === 'replace_in') {
            const at = jsonPath(b.at.map((e) => e(ctx)));
            if ('invalid' in at) fail(`replace_in ${table.name}.${b.column.name}: ${at.invalid}`);
            if ('missing' in at) return missing(`replace_in ${b.column.name}: position ${at.missing + 1} has no value at ${b.atSource[at.missing] ?? '?'} (missing or null)`);
            if (!('path' in at)) continue;
            const raw = b.eval(ctx);
            parts.push({ mode: 'replace', column: b.column.name, path: at.path, ...replacement(b, raw) });
            continue;
          }
          if (b.mode === 'keep_if_missing' && b.eval(ctx) === undefined) continue;
          parts.push({ mode: 'set', column: b.column.name, value: value(b, ctx) });
        }
        if (parts.length === 0) return;
        const r: RowChange = {
          kind: 'update', table: table.name, where: table.key.length ? where.map((b) => b.column.name) : [],
          whereValues: whereValues.map((v, i) => value(where[i] as BoundValue, ctx) ?? (v as SqlValue)),
          set: parts, upsert, tableColumns: table.columns,
          shape: staticShape + parts.map((p) => `${p.mode}:${p.column}${p.mode === 'replace' && p.json ? ':j' : ''}`).join(','),
        };
        if (guard !== undefined) {
          r.guard = guard;
          r.version = versionOf(ctx);
        }
        out.push(r);
      });
    }
    case 'delete': {
      const where = bind(op.where);
      const shape = `d|${table.name}|${where.map((b) => b.column.name).join(',')}|${op.guard ?? ''}`;
      return (event, out, paths, meta) => guarded(() => {
        const ctx: EvalContext = { event, paths, meta };
        for (const b of where) if (b.eval(ctx) == null) missing(`where column ${b.column.name} has no value at ${b.source} (missing or null)`);
        const r: RowChange = { kind: 'delete', table: table.name, shape, where: where.map((b) => b.column.name), whereValues: where.map((b) => value(b, ctx)), tableColumns: table.columns };
        if (op.guard !== undefined) {
          r.guard = op.guard;
          r.version = versionOf(ctx);
        }
        out.push(r);
      });
    }
  }
}

/** A value expression as the spec wrote it, for reasons. */
export function exprText(e: ValueExpr | undefined): string {
  if (e === undefined) return '?';
  switch (e.kind) {
    case 'path': return e.root === 'item' ? `$item${e.path.slice(1)}` : e.path;
    case 'literal': return JSON.stringify(e.value) ?? String(e.value);
    case 'index': return '$index';
    case 'count': return `count(${e.path})`;
    case 'coalesce': return `coalesce(${e.values.map(exprText).join(', ')})`;
    case 'json': return exprText(e.value);
    default: return e.kind;
  }
}

/** How an increment adds to the column (validation allows int, bigint and decimal only). */
function numericOf(c: ColumnDef): Numeric {
  return c.type === 'int' || c.type === 'bigint' ? { type: c.type } : { type: 'decimal', precision: c.precision ?? 18, scale: c.scale ?? 2 };
}
