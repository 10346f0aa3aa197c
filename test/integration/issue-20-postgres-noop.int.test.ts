/**
 * Issue 20: no-op row changes on PostgreSQL. The read-back of which rows exist (sql/existing.ts)
 * compared each key with a value of a UNION subquery, which PostgreSQL types as text: a bigint or
 * datetime key failed with 42883 (operator does not exist: bigint = text) instead of counting a
 * no-op. The shared no-op scenario must also count on PostgreSQL what it counts on MariaDB.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { GroupProcessor } from '../../src/runtime/commit/processor.js';
import { groupRoutes } from '../../src/runtime/apply/routes.js';
import { openSink } from '../../src/runtime/sinks/open.js';
import type { Sink } from '../../src/runtime/sinks/sink.js';
import { newStats, noopBreakdown } from '../../src/runtime/ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../../src/runtime/outputs/dead-letters/index.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { parseSpecText } from '../../src/spec/load.js';
import { validateLoaded } from '../../src/validate/index.js';
import { NOOP_BREAKDOWN, NOOP_EXPECTED, noopPlan, runNoopScenario } from '../helpers/noop-scenario.js';
import { freshPostgresDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('POSTGRES_URL');

const TYPED_KEYS = `
projection: typed
group: g
topics: [things]
tables:
  counters:
    key: [n, at]
    version: entity_version
    columns:
      n: { type: bigint }
      at: { type: datetime }
      hits: { type: int, default: 0 }
on:
  thing.created:
    - insert: counters
      set: { n: $.data.n, at: $.data.at }
      version: $.data.v
  thing.hit:
    - increment: counters
      where: { n: $.data.n, at: $.data.at }
      by: { hits: 1 }
  thing.removed:
    - delete: counters
      where: { n: $.data.n, at: $.data.at }
      version: $.data.v
`;

describe.skipIf(skip)('issue 20: no-op row changes on PostgreSQL', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  async function sinkFor(tables: Parameters<typeof applyDdl>[1]): Promise<Sink> {
    const db = await freshPostgresDatabase('sc_noop_pg');
    cleanup.push(db.drop);
    await applyDdl(db.url, [...tables, ...ENGINE_TABLES]);
    const sink = await openSink(db.url);
    cleanup.push(() => sink.close());
    return sink;
  }

  it.each([undefined, 1])('counts the shared scenario\'s no-ops as MariaDB does (max batch %s)', async (maxBatch) => {
    const plan = noopPlan();
    const s = await runNoopScenario(await sinkFor(plan.tables), plan, maxBatch);
    expect({ events: s.events, applied: s.applied, noop: s.noop, noopStale: s.noopStale, deadLettered: s.deadLettered, by: noopBreakdown(s) })
      .toEqual({ ...NOOP_EXPECTED, deadLettered: 0, by: NOOP_BREAKDOWN });
  });

  it('counts a no-op on a bigint and datetime key instead of failing', async () => {
    const v = validateLoaded(parseSpecText('typed.yaml', TYPED_KEYS));
    expect(v.diagnostics).toEqual([]);
    const plan = v.plan as NonNullable<typeof v.plan>;
    const sink = await sinkFor(plan.tables);
    const stats = newStats();
    const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
    const at = '2026-01-02T03:04:05.678Z';
    const events = [
      { event_type: 'thing.created', event_id: 'e1', entity_id: 'x', data: { n: 1, at, v: 1 } },
      { event_type: 'thing.hit', event_id: 'e2', entity_id: 'x', data: { n: 1, at, v: 2 } },
      { event_type: 'thing.hit', event_id: 'e3', entity_id: 'x', data: { n: 2, at, v: 1 } },
      { event_type: 'thing.removed', event_id: 'e4', entity_id: 'x', data: { n: 3, at, v: 1 } },
    ];
    await p.process(events.map((e, i) => ({ topic: 'things', partition: 0, offset: i, key: null, value: Buffer.from(JSON.stringify(e)) })));
    expect({ events: stats.events, applied: stats.applied, noop: stats.noop, deadLettered: stats.deadLettered }).toEqual({ events: 4, applied: 4, noop: 2, deadLettered: 0 });
    expect(noopBreakdown(stats)).toEqual({ 'counters/thing.hit no_row': 1, 'counters/thing.removed no_row': 1 });
  });
});
