/**
 * Updates, increments and deletes that find no row change nothing; they are counted as `noop`
 * row changes (never silently), per row change the engine writes, not per event.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { NOOP_EXPECTED, noopPlan, runNoopScenario } from '../../../test/helpers/noop-scenario.js';
import { parsePrometheus } from '../../../test/helpers/prometheus.js';
import { EngineMetrics, METRIC_NAMES } from '../ops/metrics.js';
import { openSqliteSink } from '../sinks/sqlite.js';
import type { Sink } from '../sinks/sink.js';
import { silentLogger } from '../ops/log.js';
import { GroupProcessor } from './processor.js';
import { groupRoutes } from '../apply/routes.js';
import { newStats } from '../ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

let dir: string;
let sink: Sink;
let plan: Plan;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-noop-'));
  const url = `sqlite:${join(dir, 'db.sqlite')}`;
  plan = noopPlan();
  await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
  sink = openSqliteSink(url);
});

afterEach(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('noop row changes', () => {
  it.each([undefined, 1, 3])('counts updates, increments and deletes that matched no row (missing, stale, as new) with max batch %s', async (maxBatch) => {
    const stats = await runNoopScenario(sink, plan, maxBatch);
    expect(stats).toMatchObject({ ...NOOP_EXPECTED, missed: 0, deadLettered: 0 });
  });

  it('counts changes of one row merged within a batch once, and each alone when one by one', async () => {
    const hit = (id: string) => ({ event_type: 'item.hit', event_id: id, entity_id: 'ghost', entity_version: 1, data: {} });
    const run = async (maxBatch?: number) => {
      const stats = newStats();
      const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, maxBatch });
      await p.process(['h1', 'h2', 'h3'].map((id, i) => ({ topic: 'items', partition: maxBatch === undefined ? 0 : 1, offset: i, key: null, value: Buffer.from(JSON.stringify(hit(`${id}-${maxBatch ?? 'all'}`))) })));
      return stats;
    };
    expect(await run()).toMatchObject({ events: 3, applied: 3, noop: 1, statements: 1 });
    expect(await run(1)).toMatchObject({ events: 3, applied: 3, noop: 3 });
  });

  it('exposes the count as a metric', async () => {
    const stats = await runNoopScenario(sink, plan);
    const metrics = new EngineMetrics({ defaultMetrics: false });
    metrics.bind({ groups: () => [{ group: 'g', stats }], lag: () => [], databaseDownSince: () => undefined, ready: () => true });
    // By table, handler and reason since issue 17 (issue-17-skipped-by-name.test.ts): their sum is the count.
    const x = parsePrometheus(await metrics.registry.metrics());
    expect(x.sum(METRIC_NAMES.noop, { group: 'g' })).toBe(NOOP_EXPECTED.noop);
  });
});
