/**
 * Issue 17, item 3: what was skipped, by name. Unhandled event types are named with their counts
 * (bounded: a hostile stream cannot grow the stats or the metric's label set), and no-op row
 * changes name their table and handler, a stale version apart from a row that is not there.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { NOOP_BREAKDOWN, NOOP_EXPECTED, noopPlan, runNoopScenario } from '../../../test/helpers/noop-scenario.js';
import { parsePrometheus } from '../../../test/helpers/prometheus.js';
import { formatSummary } from '../../cli/run.js';
import { silentLogger } from '../ops/log.js';
import { EngineMetrics, METRIC_NAMES } from '../ops/metrics.js';
import { GroupProcessor } from './processor.js';
import { groupRoutes } from '../apply/routes.js';
import { openSqliteSink } from '../sinks/sqlite.js';
import type { Sink } from '../sinks/sink.js';
import { describeCounts, MAX_NAMED_TYPES, newStats, noopBreakdown, OTHER_TYPES, type GroupStats } from '../ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

let dir: string;
let sink: Sink;
let plan: Plan;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-skipped-'));
  const url = `sqlite:${join(dir, 'db.sqlite')}`;
  plan = noopPlan();
  await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
  sink = openSqliteSink(url);
});

afterEach(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Events of these types (none handled by the noop spec) through a processor, in batches of `maxBatch`. */
async function skip(types: string[], maxBatch?: number): Promise<GroupStats> {
  const stats = newStats();
  const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, maxBatch });
  await p.process(types.map((type, i) => ({ topic: 'items', partition: 0, offset: i, key: null, value: Buffer.from(JSON.stringify({ event_type: type, event_id: `u${i}`, entity_id: 'a', data: {} })) })));
  return stats;
}

async function scrape(stats: GroupStats) {
  const m = new EngineMetrics({ defaultMetrics: false });
  m.bind({ groups: () => [{ group: 'g', stats }], lag: () => [], databaseDownSince: () => undefined, ready: () => true });
  return parsePrometheus((await m.scrape()).body);
}

describe('unhandled event types by name', () => {
  it('counts each unhandled type, in the stats, the run summary and a metric label', async () => {
    const stats = await skip(['ride.acepted', 'x.y', 'ride.acepted', 'item.created.v2', 'ride.acepted'], 2);
    expect(stats.skippedUnhandled).toBe(5);
    expect(Object.fromEntries(stats.skippedTypes)).toEqual({ 'ride.acepted': 3, 'x.y': 1, 'item.created.v2': 1 });
    expect(formatSummary({ groups: { g: stats } })).toContain('5 skipped (unhandled type: ride.acepted 3, item.created.v2 1, x.y 1)');
    const x = await scrape(stats);
    expect(x.sum(METRIC_NAMES.messages, { group: 'g', outcome: 'skipped', event_type: 'ride.acepted' })).toBe(3);
    expect(x.sum(METRIC_NAMES.messages, { group: 'g', outcome: 'skipped' })).toBe(5);
  });

  it('names the top few and sums the rest', () => {
    const m = new Map([['a', 1], ['b', 9], ['c', 3], ['d', 2], ['e', 7], ['f', 1], ['g', 5], ['h', 4]]);
    expect(describeCounts(m, 3)).toBe('b 9, e 7, g 5, … and 5 more types: 11');
    expect(describeCounts(new Map([['a', 2], [OTHER_TYPES, 6]]), 3)).toBe(`a 2, … and more types: 6`);
  });

  it('keeps a bounded set of names: a stream of ever new types ends in one "other" count', async () => {
    const types = Array.from({ length: MAX_NAMED_TYPES + 40 }, (_, i) => `t${i}`);
    const stats = await skip(types);
    expect(stats.skippedTypes.size).toBe(MAX_NAMED_TYPES + 1);
    expect(stats.skippedTypes.get(OTHER_TYPES)).toBe(40);
    const x = await scrape(stats);
    expect(x.get(METRIC_NAMES.messages, { outcome: 'skipped' })).toHaveLength(MAX_NAMED_TYPES + 1);
    expect(x.sum(METRIC_NAMES.messages, { outcome: 'skipped' })).toBe(types.length);
  });

  it('cuts a long type and escapes control characters in the name', async () => {
    const stats = await skip(['a'.repeat(500), 'bad\u001b[31mred\nline']);
    const names = [...stats.skippedTypes.keys()];
    expect(names[0]?.length).toBeLessThanOrEqual(65);
    expect(names[0]?.endsWith('…')).toBe(true);
    expect(names[1]).toBe('bad\\u001b[31mred\\u000aline');
  });
});

describe('no-op row changes by table, handler and reason', () => {
  it.each([undefined, 1, 3])('tells a stale version from a missing row, per table and handler (max batch %s)', async (maxBatch) => {
    const stats = await runNoopScenario(sink, plan, maxBatch);
    expect(stats).toMatchObject(NOOP_EXPECTED);
    expect(noopBreakdown(stats)).toEqual(NOOP_BREAKDOWN);
    expect(formatSummary({ groups: { g: stats } })).toContain('8 no-op row change(s) (6 no row matched, 2 stale version: docs/doc.titled stale 2, items/item.removed no_row 2, docs/doc.removed no_row 1, docs/doc.titled no_row 1, items/item.hit no_row 1, … and 1 more: 1)');
  });

  it('exposes them as metric labels', async () => {
    const stats = await runNoopScenario(sink, plan);
    const x = await scrape(stats);
    expect(x.sum(METRIC_NAMES.noop, { group: 'g' })).toBe(NOOP_EXPECTED.noop);
    expect(x.sum(METRIC_NAMES.noop, { table: 'docs', event_type: 'doc.titled', reason: 'stale' })).toBe(2);
    expect(x.sum(METRIC_NAMES.noop, { reason: 'no_row' })).toBe(6);
  });
});
