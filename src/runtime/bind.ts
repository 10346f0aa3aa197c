/**
 * Bind the plan once at start-up: every value expression becomes an evaluator, every column its
 * coercion. `BoundOperation.rows` then only evaluates, coerces and pushes row changes.
 */
import { compilePath } from '../compile/accessor.js';
import { bindValue, type EvalContext, type Evaluator } from '../compile/evaluate.js';
import { PathSlots } from '../compile/extract.js';
import type { Assignment, ColumnDef, EnvelopePaths, Operation, TableDef } from '../compile/plan.js';
import { coerce, CoerceError, type SqlValue } from '../sql/coerce.js';
import { EventError } from './event-error.js';
import type { RowChange, SetPart } from '../sql/rows.js';

/** Apply one operation to an event: push its row changes. `paths` is the handler's extraction of the event. */
export type BoundOperation = (event: Record<string, unknown>, out: RowChange[], paths?: readonly unknown[]) => void;

interface BoundValue {
  column: ColumnDef;
  mode: Assignment['mode'];
  eval: Evaluator;
  at: Evaluator[];
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
    as.map((a) => ({ column: col(a.column), mode: a.mode, eval: bindValue(a.value, valueSlots), at: a.mode === 'replace_in' ? a.at.map((x) => bindValue(x, valueSlots)) : [] }));
  const fail = (message: string): never => { throw new EventError(message, where.projection, where.eventType); };
  const value = (b: BoundValue, ctx: EvalContext): SqlValue => {
    let v = b.eval(ctx);
    if (v === undefined || (v === null && !b.column.nullable)) v = b.column.default ?? v;
    if (v === undefined || v === null) {
      if (b.column.nullable) return null;
      return fail(`column ${table.name}.${b.column.name} is NOT NULL but the event gives no value`);
    }
    try {
      return coerce(b.column, v);
    } catch (e) {
      if (e instanceof CoerceError) return fail(`column ${table.name}.${e.column} (${e.type}): ${e.reason}`);
      throw e;
    }
  };
  const version = compilePath(envelope.version).get;
  const versionOf = (ctx: EvalContext): SqlValue => {
    const v = version(ctx.event);
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
      if (typeof v === 'string' && /^\d+$/.test(v)) return Number(v);
      return fail(`table ${table.name} is version-guarded but the event has no integer version at ${envelope.version}`);
    }
    return v;
  };

  switch (op.kind) {
    case 'insert': {
      const values = bind(op.values);
      const columns = values.map((b) => b.column.name);
      const update = op.onConflict.action === 'update' ? op.onConflict.columns : [];
      const shape = `i|${table.name}|${columns.join(',')}|${update.join(',')}|${op.guard ?? ''}`;
      const items = op.forEach ? compilePath(op.forEach.path).get : undefined;
      const fromItem = op.forEach?.root === 'item';
      const row = (ctx: EvalContext, out: RowChange[]) => {
        const r: RowChange = { kind: 'insert', table: table.name, shape, columns, values: values.map((b) => value(b, ctx)), key: table.key, update };
        if (op.guard !== undefined) r.guard = op.guard;
        out.push(r);
      };
      if (items === undefined) return (event, out, paths) => row({ event, paths }, out);
      const extractItem = (itemSlots as PathSlots).extractor();
      return (event, out, paths) => {
        const list = items(fromItem ? undefined : event);
        if (!Array.isArray(list)) return;
        list.forEach((item: unknown, index) => row({ event, paths, item, index, itemPaths: extractItem(item) }, out));
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
      return (event, out, paths) => {
        const ctx: EvalContext = { event, paths };
        const whereValues = where.map((b) => b.eval(ctx));
        // No row can match a missing key: nothing to change (orphans change nothing).
        if (whereValues.some((v) => v === undefined || v === null)) return;
        const parts: SetPart[] = [];
        for (const b of add) {
          const n = b.eval(ctx);
          const amount = typeof n === 'number' ? n : typeof n === 'string' && n.trim() !== '' ? Number(n) : NaN;
          if (!Number.isFinite(amount)) fail(`cannot add ${JSON.stringify(n)} to ${table.name}.${b.column.name}: not a number`);
          parts.push({ mode: 'add', column: b.column.name, value: sign * amount, base: Number(b.column.default ?? 0) });
        }
        for (const b of set) {
          if (b.mode === 'replace_in') {
            const path = jsonPath(b.at.map((e) => e(ctx)));
            if (path === undefined) continue;
            const raw = b.eval(ctx);
            const isJson = raw !== null && typeof raw === 'object';
            parts.push({ mode: 'replace', column: b.column.name, path, value: isJson ? JSON.stringify(raw) : (raw as SqlValue) ?? null, json: isJson });
            continue;
          }
          if (b.mode === 'keep_if_missing' && b.eval(ctx) === undefined) continue;
          parts.push({ mode: 'set', column: b.column.name, value: value(b, ctx) });
        }
        if (parts.length === 0) return;
        const r: RowChange = {
          kind: 'update', table: table.name, where: table.key.length ? where.map((b) => b.column.name) : [],
          whereValues: whereValues.map((v, i) => value(where[i] as BoundValue, ctx) ?? (v as SqlValue)),
          set: parts, upsert,
          shape: staticShape + parts.map((p) => `${p.mode}:${p.column}${p.mode === 'replace' && p.json ? ':j' : ''}`).join(','),
        };
        if (guard !== undefined) {
          r.guard = guard;
          r.version = versionOf(ctx);
        }
        out.push(r);
      };
    }
    case 'delete': {
      const where = bind(op.where);
      const shape = `d|${table.name}|${where.map((b) => b.column.name).join(',')}|${op.guard ?? ''}`;
      return (event, out, paths) => {
        const ctx: EvalContext = { event, paths };
        if (where.some((b) => b.eval(ctx) == null)) return;
        const r: RowChange = { kind: 'delete', table: table.name, shape, where: where.map((b) => b.column.name), whereValues: where.map((b) => value(b, ctx)) };
        if (op.guard !== undefined) {
          r.guard = op.guard;
          r.version = versionOf(ctx);
        }
        out.push(r);
      };
    }
  }
}

/** JSON path text for MySQL/SQLite JSON functions: numbers index arrays, strings name keys. */
function jsonPath(segments: unknown[]): string | undefined {
  let path = '$';
  for (const s of segments) {
    if (typeof s === 'number' && Number.isInteger(s) && s >= 0) path += `[${s}]`;
    else if (typeof s === 'string' && /^\d+$/.test(s)) path += `[${s}]`;
    else if (typeof s === 'string' && s !== '') path += `.${JSON.stringify(s)}`;
    else return undefined;
  }
  return path;
}
