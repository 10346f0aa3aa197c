/**
 * What a unit writes inside its transaction, in this sequence: the event-id claims (which drop
 * the events processed before), the dead letters (a table's rows), the folded row changes (and
 * why some matched no row), the effects' parts, and the move of the group's positions.
 */
import { fold, splitByBytes } from '../../sql/fold.js';
import type { Statement } from '../../sql/statement.js';
import { sqlNow } from '../../sql/engine-sql.js';
import { rowIdentity, type RowChange } from '../../sql/rows.js';
import type { Sink, Tx } from '../sinks/sink.js';
import { DEFAULT_ROUTE, type GroupRoutes } from '../apply/routes.js';
import type { RawMessage } from '../apply/message.js';
import type { PreparedEvent, PreparedUnit } from '../apply/prepare.js';
import type { DeadLetterSink } from '../outputs/dead-letters/index.js';
import type { GroupStats } from '../ops/stats.js';
import { rowsKey } from '../ops/metrics.js';
import { claimIds } from './claims.js';
import { explainNoops } from './noop.js';
import { movePositions } from './positions.js';
import type { BatchEffect, ProcessorHooks } from './processor.js';

export interface WriteContext {
  sink: Sink;
  routes: GroupRoutes;
  deadLetters: DeadLetterSink;
  effects: BatchEffect[];
  stats: GroupStats;
  /** The consumer-group name the positions are stored under. */
  posGroup: string;
  /** Move the positions (false: a replay, ProcessorOptions.positions). */
  positions: boolean;
  /** Count rows per table and operation (there is a metrics observer). */
  countRows: boolean;
}

/** What one attempt wrote; only the attempt that committed is read. */
export interface Written {
  /** The events whose ids were not claimed before, in sequence. */
  fresh: PreparedEvent[];
  /** Rows written per table and operation (with WriteContext.countRows). */
  rows?: Map<string, number>;
  /** What the effects do once the transaction has committed. */
  after: Array<() => void>;
  /** Update and delete row changes that matched no row. */
  noop: number;
  /** Of `noop`: the stale ones, and all by table, handler and reason (stats.ts noopKey). */
  noopStale: number;
  noopBy: Map<string, number> | undefined;
}

export async function writeUnit(tx: Tx, c: WriteContext, messages: RawMessage[], unit: PreparedUnit, hooks: ProcessorHooks, known: Map<string, number>): Promise<Written> {
  const { sink } = c;
  const at = sqlNow();
  const fresh = await claimIds(tx, sink, c.routes, unit.events, at);
  const written = c.countRows ? new Map<string, number>() : undefined;
  if (unit.letters.length > 0) await c.deadLetters.write(tx, sink, unit.letters);
  const rows = fresh.flatMap((p) => p.rows);
  let noop = 0;
  let stale = 0;
  let noopBy: Map<string, number> | undefined;
  let handlers: ((row: RowChange) => string) | undefined;
  for (const round of fold(rows)) {
    for (const group of round) {
      const parts = sink.maxStatementBytes === undefined ? [group] : splitByBytes(group, sink.maxStatementBytes);
      for (const part of parts) {
        let affected = 0;
        const counted = matchesOne(part.rows[0]);
        const statements = sink.changes.build(part);
        // One statement per change (SQLite; a change alone): which ones changed nothing is known.
        const perRow = counted && statements.length === part.rows.length;
        let zero: number[] | undefined;
        for (let i = 0; i < statements.length; i++) {
          const n = await tx.exec(statements[i] as Statement);
          affected += n;
          if (perRow && n === 0) (zero ??= []).push(i);
          c.stats.statements++;
        }
        if (counted && affected < part.rows.length) {
          // The rare case: only now are the no-ops' rows read back and their handlers looked up.
          noop += part.rows.length - affected;
          handlers ??= handlerLookup(fresh);
          stale += await explainNoops(tx, sink.dialect, part.rows, part.rows.length - affected, zero, handlers, (noopBy ??= new Map()));
        }
      }
      const first = group.rows[0];
      if (written !== undefined && first !== undefined) written.set(rowsKey(first.table, first.kind), (written.get(rowsKey(first.table, first.kind)) ?? 0) + group.rows.length);
    }
    await hooks.heartbeat?.();
  }
  const after: Array<() => void> = [];
  for (const [i, effect] of c.effects.entries()) {
    const done = await effect.write(tx, fresh.map((p) => ({ event: p.event, prepared: p.effects[i] })), at);
    if (done !== undefined) after.push(done);
  }
  // Each position moves from the value this processor read, or is inserted where it read none:
  // if the row is not what the cache says, the whole unit rolls back (PositionsChangedError).
  if (c.positions) await movePositions(tx, sink.engine, c.posGroup, messages, known, at);
  await hooks.inTransaction?.(tx, at, { messages, letters: unit.letters });
  return { fresh, ...(written !== undefined ? { rows: written } : {}), after, noop, noopStale: stale, noopBy };
}

/**
 * Row changes whose statement matches at most one row each (a `where` is a key or a unique key),
 * so the rows a statement carries minus the rows it affected are the changes that found no row:
 * updates and deletes whose row is missing or, on a guarded table, holds a version as new or
 * newer. Both dialects report matched rows here (SQLite's changes(); mysql2 connects with
 * CLIENT_FOUND_ROWS, so an UPDATE that matches a row without changing a value still counts it).
 * Inserts and create_missing increments always leave a row, and MariaDB counts 2 per updated
 * duplicate: they are not measured.
 */
function matchesOne(row: RowChange | undefined): boolean {
  return row !== undefined && (row.kind === 'delete' || (row.kind === 'update' && !row.upsert));
}

/**
 * The handler (event type, or DEFAULT_ROUTE) whose operation made a row change, for naming
 * no-ops. Folded changes of one row are merged objects, so they are found by the row's identity;
 * the last event's wins. Built only when a batch has no-ops.
 */
function handlerLookup(events: PreparedEvent[]): (row: RowChange) => string {
  const byRow = new Map<string, string>();
  for (const p of events) {
    const handler = p.handlers.some((h) => h.default !== true) ? p.event.type ?? DEFAULT_ROUTE : DEFAULT_ROUTE;
    for (const r of p.rows) if (r.kind !== 'insert') byRow.set(`${r.kind}\u0000${rowIdentity(r)}`, handler);
  }
  return (row) => byRow.get(`${row.kind}\u0000${rowIdentity(row)}`) ?? DEFAULT_ROUTE;
}
