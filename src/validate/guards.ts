/**
 * A version guard compares versions of one entity (issue 17). A guarded insert, update or delete
 * compares the stored version with the event's `entity_version` and stores it: right when the row
 * is the event's own entity, silently wrong when it is another's (entity B's version 7 written
 * onto A's row, whose own version 2 is then dropped as stale). So a guarded operation must find
 * its row by the event's entity id (one of its key or where columns is the envelope's entity
 * path, the same column in every such operation of the table), or name the row's version itself
 * (`version: <path>`), or say `guard: false`.
 */
import type { Diagnostic } from '../diagnostics.js';
import { DEFAULT_ENVELOPE, type TableDef } from '../compile/plan.js';
import { isForm } from '../compile/value.js';
import { diagnosticAt, type Segment } from '../spec/locate.js';
import type { SpecDocument } from '../spec/load.js';
import type { DeleteOpSpec, InsertOpSpec, ProjectionSpec, UpdateOpSpec, ValueSpec } from '../spec/types.js';
import { operationsOf } from './routes.js';
import { checkPathText } from './values.js';

type GuardableOp = InsertOpSpec | UpdateOpSpec | DeleteOpSpec;

export function checkGuards(doc: SpecDocument, spec: ProjectionSpec, tables: Map<string, TableDef>, out: Diagnostic[]): void {
  const envelope = { ...DEFAULT_ENVELOPE, ...spec.envelope };
  /** Table → the column that holds the entity id in its first guarded operation. */
  const entityColumn = new Map<string, string>();
  for (const { path, op } of operationsOf(spec)) {
    if (!('insert' in op || 'update' in op || 'delete' in op)) continue;
    const g = op as GuardableOp;
    const keyword = 'insert' in g ? 'insert' : 'update' in g ? 'update' : 'delete';
    const table = tables.get('insert' in g ? g.insert : 'update' in g ? g.update : g.delete);
    if (table === undefined) continue; // E_UNKNOWN_TABLE says it
    const guarded = table.version !== undefined && g.guard !== false;
    if (g.version !== undefined) {
      if (!guarded) {
        const why = table.version === undefined ? `table ${table.name} has no version column: add version: entity_version to the table, or remove it` : 'guard: false turns the guard off: remove one of them';
        out.push(diagnosticAt(doc, [...path, 'version'], 'E_VERSION_WITHOUT_GUARD', `version: ${g.version} names the version to compare, but ${why}`));
      } else {
        const inLoop = 'insert' in g && g.for_each !== undefined;
        checkPathText({ spec: doc, inLoop, keepAllowed: false, replaceAllowed: false }, [...path, 'version'], g.version, out, 'path');
      }
      continue;
    }
    if (!guarded) continue;
    const row = rowOf(g, table, path);
    if (row === undefined) continue;
    const isEntity = (v: ValueSpec | undefined) => v === envelope.entity || (v !== undefined && isForm(v) && 'path' in v && v.path === envelope.entity);
    const entityCols = Object.keys(row.columns).filter((c) => isEntity(row.columns[c]));
    const first = entityColumn.get(table.name);
    let detail: string | undefined;
    if (entityCols.length === 0) {
      detail = `${row.what} ${Object.entries(row.columns).map(([c, v]) => `${c}: ${text(v)}`).join(', ')}, not ${envelope.entity}`;
    } else if (first !== undefined && !entityCols.includes(first)) {
      detail = `${row.what} ${entityCols.map((c) => `${c}: ${envelope.entity}`).join(', ')}, where other guarded operations of ${table.name} have it in ${first}`;
    } else {
      entityColumn.set(table.name, first ?? (entityCols[0] as string));
      continue;
    }
    const example = exampleVersion(table, Object.keys(row.columns));
    out.push(diagnosticAt(doc, row.at, 'E_GUARD_OTHER_ENTITY', `${keyword} of ${table.name} is version-guarded, but its row is not the event's own entity (${detail}): the guard would compare and store the event's ${envelope.version}, another entity's version, on this row. Add guard: false to apply it unguarded (the row keeps its version), or version: <path> naming the version of the row it changes (e.g. version: ${example})`));
  }
}

/** The columns that identify the operation's row, and where to point. Undefined: nothing to judge. */
function rowOf(op: GuardableOp, table: TableDef, path: Segment[]): { columns: Record<string, ValueSpec | undefined>; at: Segment[]; what: string } | undefined {
  if ('insert' in op) {
    if (table.key.length === 0) return undefined;
    const columns = Object.fromEntries(table.key.map((k) => [k, op.set[k]]));
    const shown = table.key.find((k) => op.set[k] !== undefined);
    return { columns, at: shown === undefined ? [...path, 'set'] : [...path, 'set', shown], what: 'key' };
  }
  // Without where, the row is the table's single key = the entity id (compile/operations/assignments.ts).
  if (op.where === undefined) return undefined;
  return { columns: op.where, at: [...path, 'where'], what: 'where' };
}

function text(v: ValueSpec | undefined): string {
  if (v === undefined) return '(not set)';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** `$.data.<x>_version` for a row found by `<x>_id` (else by the table's name): a hint in the spec's own names. */
function exampleVersion(table: TableDef, columns: string[]): string {
  const named = columns.find((c) => c.endsWith('_id') && c.length > 3);
  return `$.data.${named === undefined ? table.name : named.slice(0, -3)}_version`;
}
