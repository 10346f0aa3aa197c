/**
 * Processed-events retention on every server database (MariaDB, PostgreSQL): the runtime prunes event ids older than the retention
 * at start (in chunks), keeps the recent ones and the ones it records itself, and a replay of the
 * same stream afterwards still changes nothing (positions, not ids, skip what was consumed).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRuntime } from '../../src/runtime/runtime.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { sqlNow } from '../../src/sql/engine-sql.js';
import { expectedTables } from '../helpers/model.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, queryDb } from '../helpers/services.js';
import { generateStream, toNdjson } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';

const { skip, servers } = eachServer();
const DAY = 24 * 3600 * 1000;

describe.skipIf(skip).each(servers)('processed-events retention on $name', (server) => {
  const { onCleanup, flow } = testResources();

  it('prunes ids older than the retention at start, keeps the rest, and replays stay exact', async () => {
    const { spec, db } = await flow('retention', false, server);
    const dir = mkdtempSync(join(tmpdir(), 'sc-it-retention-'));
    onCleanup(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'events.ndjson');
    const messages = generateStream({ seed: 21, topics: spec, things: 300, maxLifecycle: 3, marks: 400, stubTargets: 5, duplicateRate: 0.03, staleRate: 0.05 });
    writeFileSync(file, toNdjson(messages));

    // 25,000 ids of an earlier life of the group: 24,000 older than 7 days, 1,000 recent.
    await applyDdl(db.url, ENGINE_TABLES);
    const tuples = Array.from({ length: 1000 }, () => '(?,?,?,?,?,?)').join(',');
    for (let chunk = 0; chunk < 25; chunk++) {
      const age = chunk < 24 ? 8 * DAY : DAY;
      const params = Array.from({ length: 1000 }, (_, i) => [spec.group, `old-${chunk}-${i}`, null, null, 'thing.created', sqlNow(new Date(Date.now() - age))]).flat();
      await queryDb(db.url, `INSERT INTO sc_processed_events (consumer_group, event_id, entity_id, entity_version, event_type, processed_at) VALUES ${tuples}`, params);
    }

    const run = async () => {
      const rt = await createRuntime({ config: spec.dir, databaseUrl: db.url, from: file, retentionMs: 7 * DAY, logger: silentLogger, statsInterval: 0 });
      await rt.start();
      return rt.done;
    };
    const first = await run();
    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
    const counts = await processedCounts(db.url);
    expect(counts.old).toBe(1000);
    expect(counts.fresh).toBe(first.groups[spec.group]?.applied);

    const second = await run();
    expect(second.groups[spec.group]?.applied).toBe(0);
    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
  });
});

async function processedCounts(url: string): Promise<{ old: number; fresh: number }> {
  const rows = await queryDb(url, "SELECT SUM(CASE WHEN event_id LIKE 'old-%' THEN 1 ELSE 0 END) AS old, SUM(CASE WHEN event_id LIKE 'old-%' THEN 0 ELSE 1 END) AS fresh FROM sc_processed_events");
  return { old: Number(rows[0]?.old ?? 0), fresh: Number(rows[0]?.fresh ?? 0) };
}
