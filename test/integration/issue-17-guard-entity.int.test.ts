/**
 * Issue 17, item 1 on every server database (MariaDB, PostgreSQL): the rides/rider scenario. validate refuses the spec (the
 * rider's version would be compared with and written onto the ride); with the ride's version named
 * on the operation (`version: $.data.ride_version`) or `guard: false`, the ride keeps its own
 * versions: inserts, updates and deletes guarded by an operation's version, one batch or one
 * message a batch.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { openSink } from '../../src/runtime/sinks/open.js';
import { parseSpecText } from '../../src/spec/load.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { validateLoaded } from '../../src/validate/index.js';
import { GUARD_EXPECTED, guardSpec, runGuardScenario } from '../helpers/guard-scenario.js';
import { eachServer, queryDb } from '../helpers/services.js';

const { skip, servers } = eachServer();

describe.skipIf(skip).each(servers)('guards compare versions of one entity ($name)', (server) => {
  const dbs: Array<{ drop: () => Promise<void> }> = [];
  afterAll(async () => {
    for (const d of dbs) await d.drop();
  });

  it("validate refuses the issue's spec", () => {
    const v = validateLoaded(parseSpecText('rides.yaml', guardSpec('original')));
    expect(v.plan).toBeUndefined();
    expect(v.diagnostics.map((d) => d.code)).toEqual(['E_GUARD_OTHER_ENTITY']);
  });

  it.each([
    ['version', undefined], ['version', 1], ['unguarded', undefined], ['unguarded', 1],
  ] as const)('%s, max batch %s: the ride keeps its own versions', async (variant, maxBatch) => {
    const v = validateLoaded(parseSpecText('rides.yaml', guardSpec(variant)));
    expect(v.diagnostics).toEqual([]);
    const plan = v.plan as Plan;
    const db = await server.fresh('sc_guard');
    dbs.push(db);
    await applyDdl(db.url, [...plan.tables, ...ENGINE_TABLES]);
    const sink = await openSink(db.url);
    try {
      const stats = await runGuardScenario(sink, plan, maxBatch);
      expect(stats.deadLettered).toBe(0);
    } finally {
      await sink.close();
    }
    const rows = await queryDb(db.url, 'SELECT ride_id, status, rating, entity_version FROM rides ORDER BY ride_id');
    expect(rows.map((r) => ({ ...r, entity_version: Number(r.entity_version) }))).toEqual(GUARD_EXPECTED[variant]);
  });
});
