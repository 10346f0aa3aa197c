/**
 * Issue 12, point 2: an update, increment or delete that finds no row (missing, or a stale or
 * equal version on a guarded table) is a counted no-op. The count comes from the affected rows
 * of the folded statements, so MariaDB (multi-row UPDATE … JOIN, CLIENT_FOUND_ROWS: a matched
 * row whose values do not change still counts as found) must give what SQLite gives.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMysqlSink } from '../../src/runtime/sink-mysql.js';
import { openSqliteSink } from '../../src/runtime/sink-sqlite.js';
import type { Sink } from '../../src/runtime/sink.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { NOOP_EXPECTED, noopPlan, runNoopScenario } from '../helpers/noop-scenario.js';
import { freshDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL');

describe.skipIf(skip)('noop row changes on MariaDB and SQLite', () => {
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

  async function mariadb(): Promise<Sink> {
    const db = await freshDatabase('sc_noop');
    dbs.push(db);
    await applyDdl(db.url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = await openMysqlSink(db.url);
    sinks.push(sink);
    return sink;
  }

  async function sqlite(name: string): Promise<Sink> {
    const url = `sqlite:${join(dir, `${name}.sqlite`)}`;
    await applyDdl(url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = openSqliteSink(url);
    sinks.push(sink);
    return sink;
  }

  it.each([undefined, 1])('counts the same no-ops for the same events on both dialects (max batch %s)', async (maxBatch) => {
    const onMaria = await runNoopScenario(await mariadb(), plan, maxBatch);
    const onSqlite = await runNoopScenario(await sqlite(`s${maxBatch ?? 'all'}`), plan, maxBatch);
    const pick = (s: typeof onMaria) => ({ events: s.events, applied: s.applied, noop: s.noop, deadLettered: s.deadLettered });
    expect(pick(onMaria)).toEqual({ ...NOOP_EXPECTED, deadLettered: 0 });
    expect(pick(onSqlite)).toEqual(pick(onMaria));
  });
});
