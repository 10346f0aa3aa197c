/**
 * Issue 12, point 2: an update, increment or delete that finds no row (missing, or a stale or
 * equal version on a guarded table) is a counted no-op. The count comes from the affected rows
 * of the folded statements, so MariaDB (multi-row UPDATE … JOIN, CLIENT_FOUND_ROWS: a matched
 * row whose values do not change still counts as found) must give what SQLite gives, and so must
 * PostgreSQL (every server database of serverDatabases()). Keys of every type are read back to
 * tell why (issue 20: a bigint or datetime key failed with 42883 on PostgreSQL instead of counting).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSink } from '../../src/runtime/sinks/open.js';
import { openSqliteSink } from '../../src/runtime/sinks/sqlite.js';
import type { Sink } from '../../src/runtime/sinks/sink.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { GroupProcessor } from '../../src/runtime/commit/processor.js';
import { groupRoutes } from '../../src/runtime/apply/routes.js';
import { newStats, noopBreakdown } from '../../src/runtime/ops/stats.js';
import { parseSpecText } from '../../src/spec/load.js';
import { validateLoaded } from '../../src/validate/index.js';
import { NOOP_BREAKDOWN, NOOP_EXPECTED, noopPlan, runNoopScenario } from '../helpers/noop-scenario.js';
import { eachServer } from '../helpers/services.js';
import { TABLE_DEAD_LETTERS } from '../../src/runtime/outputs/dead-letters/index.js';

const { skip, servers } = eachServer();
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


describe.skipIf(skip).each(servers)('noop row changes on $name and SQLite', (server) => {
  const plan = noopPlan();
  let dir: string;
  const dbs: Array<{ drop: () => Promise<void> }> = [];
  const sinks: Sink[] = [];

  beforeAll(() => { dir = mkdtempSync(join(tmpdir(), 'sc-noop-int-')); });
  afterAll(async () => {
    for (const s of sinks) await s.close();
    for (const d of dbs) await d.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function onServer(): Promise<Sink> {
    const db = await server.fresh('sc_noop');
    dbs.push(db);
    await applyDdl(db.url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = await openSink(db.url);
    sinks.push(sink);
    return sink;
  }

  async function sqlite(name: string): Promise<Sink> {
    const url = `sqlite:${join(dir, `${server.kind}-${name}.sqlite`)}`;
    await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = openSqliteSink(url);
    sinks.push(sink);
    return sink;
  }

  it.each([undefined, 1])('counts the same no-ops for the same events on both databases (max batch %s)', async (maxBatch) => {
    const onDb = await runNoopScenario(await onServer(), plan, maxBatch);
    const onSqlite = await runNoopScenario(await sqlite(`s${maxBatch ?? 'all'}`), plan, maxBatch);
    // Issue 17: named by table and handler, a stale version apart from a missing row.
    const pick = (s: typeof onDb) => ({ events: s.events, applied: s.applied, noop: s.noop, noopStale: s.noopStale, deadLettered: s.deadLettered, by: noopBreakdown(s) });
    expect(pick(onDb)).toEqual({ ...NOOP_EXPECTED, deadLettered: 0, by: NOOP_BREAKDOWN });
    expect(pick(onSqlite)).toEqual(pick(onDb));
  });

  it('tells stale deletes from missing rows in one multi-row statement as SQLite does row by row', async () => {
    const ev = (type: string, id: string, entity: string, version: number) => ({ event_type: type, event_id: id, entity_id: entity, entity_version: version, data: {} });
    // After the scenario: docs p at version 4, q never existed; one statement deletes both on MariaDB.
    const extra = [ev('doc.removed', 'x1', 'p', 2), ev('doc.removed', 'x2', 'none', 1), ev('doc.removed', 'x3', 'zz', 5)];
    const run = async (sink: Sink) => {
      const stats = await runNoopScenario(sink, plan);
      const before = noopBreakdown(stats);
      const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
      await p.process(extra.map((e, i) => ({ topic: 'items', partition: 0, offset: 100 + i, key: null, value: Buffer.from(JSON.stringify(e)) })));
      const after = noopBreakdown(stats);
      return Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => n !== 0));
    };
    const onDb = await run(await onServer());
    expect(onDb).toEqual({ 'docs/doc.removed stale': 1, 'docs/doc.removed no_row': 2 });
    expect(await run(await sqlite('extra'))).toEqual(onDb);
  });

  it('counts a no-op on a bigint and datetime key instead of failing', async () => {
    const v = validateLoaded(parseSpecText('typed.yaml', TYPED_KEYS));
    expect(v.diagnostics).toEqual([]);
    const plan = v.plan as NonNullable<typeof v.plan>;
    const db = await server.fresh('sc_noop_typed');
    dbs.push(db);
    await applyDdl(db.url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = await openSink(db.url);
    sinks.push(sink);
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
