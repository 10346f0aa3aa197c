/**
 * One stream of events whose updates, increments and deletes partly find no row, for the
 * `noop` counter: the unit test runs it on SQLite, the integration test on SQLite and MariaDB,
 * and both dialects must count the same no-ops for it.
 */
import type { Plan } from '../../src/compile/plan.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import type { RawMessage } from '../../src/runtime/apply/message.js';
import { GroupProcessor } from '../../src/runtime/commit/processor.js';
import { groupRoutes } from '../../src/runtime/apply/routes.js';
import type { Sink } from '../../src/runtime/sinks/sink.js';
import { newStats, type GroupStats } from '../../src/runtime/ops/stats.js';
import { parseSpecText } from '../../src/spec/load.js';
import { validateLoaded } from '../../src/validate/index.js';
import { TABLE_DEAD_LETTERS } from '../../src/runtime/outputs/dead-letters/index.js';

export const NOOP_SPEC = `
projection: noops
group: g
topics: [items]
tables:
  items:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      name: { type: string, length: 16, nullable: true }
      hits: { type: int, default: 0 }
  docs:
    key: [id]
    version: entity_version
    columns:
      id: { type: string, length: 16 }
      title: { type: string, length: 16, nullable: true }
on:
  item.created:
    - insert: items
      on_conflict: { update: [name] }
      set: { id: $.entity_id, name: $.data.name }
  item.renamed:
    - update: items
      set: { name: $.data.name }
  item.hit:
    - increment: items
      by: { hits: 1 }
  item.removed:
    - delete: items
  doc.created:
    - insert: docs
      set: { id: $.entity_id, title: $.data.title }
  doc.titled:
    - update: docs
      set: { title: $.data.title }
  doc.removed:
    - delete: docs
`;

export function noopPlan(): Plan {
  const v = validateLoaded(parseSpecText('noops.yaml', NOOP_SPEC));
  if (v.diagnostics.length > 0 || v.plan === undefined) throw new Error(`spec: ${JSON.stringify(v.diagnostics)}`);
  return v.plan;
}

const ev = (type: string, id: string, entity: string, version: number, data: Record<string, unknown> = {}) =>
  ({ event_type: type, event_id: id, entity_id: entity, entity_version: version, data });

/**
 * Batches of events, each batch one `process` call. The comments say which row changes find no
 * row; the expected count is NOOP_EXPECTED.
 */
export const NOOP_BATCHES: unknown[][] = [
  [
    ev('item.created', 'i1', 'a', 1, { name: 'one' }),
    ev('doc.created', 'd1', 'p', 3, { title: 'first' }),
  ],
  [
    ev('item.renamed', 'i2', 'a', 2, { name: 'one' }), // matches a, changes no value: not a no-op
    ev('item.renamed', 'i3', 'ghost', 1, { name: 'boo' }), // no-op: no row
    ev('item.hit', 'i4', 'ghost2', 1), // no-op: no row (no create_missing)
    ev('item.hit', 'i5', 'a', 3), // applied
    ev('item.removed', 'i6', 'nobody', 1), // no-op: no row
    ev('doc.titled', 'd2', 'p', 2, { title: 'old' }), // no-op: stale version (2 < 3)
    ev('doc.titled', 'd3', 'q', 1, { title: 'none' }), // no-op: no row
  ],
  [
    ev('doc.titled', 'd4', 'p', 3, { title: 'same' }), // no-op: version not newer (3 = 3)
    ev('doc.removed', 'd6', 'q', 9), // no-op: no row
    ev('item.removed', 'i7', 'a', 4), // applied
    ev('item.removed', 'i8', 'a', 5), // no-op: the row was just deleted (a later round)
  ],
  // Apart: successive guarded updates of one row in a batch merge into the newest one.
  [ev('doc.titled', 'd5', 'p', 4, { title: 'fourth' })], // applied
];

export const NOOP_EXPECTED = { events: 14, applied: 14, noop: 8, noopStale: 2 };

/** NOOP_EXPECTED's no-ops by `table/handler reason` (stats.ts noopBreakdown), as the comments above say. */
export const NOOP_BREAKDOWN: Record<string, number> = {
  'items/item.renamed no_row': 1,
  'items/item.hit no_row': 1,
  'items/item.removed no_row': 2,
  'docs/doc.titled stale': 2,
  'docs/doc.titled no_row': 1,
  'docs/doc.removed no_row': 1,
};

/** Run NOOP_BATCHES through a processor on `sink` (its tables made already); the stats. */
export async function runNoopScenario(sink: Sink, plan: Plan, maxBatch?: number): Promise<GroupStats> {
  const stats = newStats();
  const processor = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, maxBatch, backoff: { initialMs: 1, maxMs: 2 } });
  let offset = 0;
  for (const batch of NOOP_BATCHES) {
    const messages: RawMessage[] = batch.map((e) => ({ topic: 'items', partition: 0, offset: offset++, key: null, value: Buffer.from(JSON.stringify(e)) }));
    await processor.process(messages);
  }
  return stats;
}
