/**
 * Issue 17, item 1, the engine's side: an operation-level `version` is what its guard compares
 * and stores (insert, update, delete), and `guard: false` leaves the row's version alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { GUARD_EXPECTED, guardSpec, runGuardScenario } from '../../../test/helpers/guard-scenario.js';
import { readRows, sqlitePlan, type SqlitePlan } from '../../../test/helpers/sqlite-plan.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

let db: SqlitePlan | undefined;
afterEach(async () => {
  await db?.close();
  db = undefined;
});

describe('guards with the version of the row they change (SQLite)', () => {
  it.each([
    ['version', undefined], ['version', 1], ['unguarded', undefined], ['unguarded', 1],
  ] as const)('%s, max batch %s: the ride keeps its own versions', async (variant, maxBatch) => {
    db = await sqlitePlan(guardSpec(variant), 'sc-guard-');
    const stats = await runGuardScenario(db.sink, db.plan, maxBatch);
    expect(stats.deadLettered).toBe(0);
    expect(readRows(db.file, 'rides')).toEqual(GUARD_EXPECTED[variant].map((r) => expect.objectContaining(r)));
  });

  it('an event without an integer at the operation version is a dead letter naming that path', async () => {
    db = await sqlitePlan(guardSpec('version'), 'sc-guard-');
    const { GroupProcessor } = await import('./processor.js');
    const { groupRoutes } = await import('../apply/routes.js');
    const { newStats } = await import('../ops/stats.js');
    const { silentLogger } = await import('../ops/log.js');
    const reasons: string[] = [];
    const stats = newStats();
    const p = new GroupProcessor({ sink: db.sink, routes: groupRoutes(db.plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
    const value = { event_type: 'rider.rated', event_id: 'x1', entity_id: 'u1', entity_version: 3, data: { ride_id: 'r1', stars: 2 } };
    await p.process([{ topic: 'rides', partition: 0, offset: 0, key: null, value: Buffer.from(JSON.stringify(value)) }]);
    expect(stats.deadLettered).toBe(1);
    const rows = readRows(db.file, 'sc_dead_letters');
    for (const r of rows) reasons.push(String(r.reason ?? r.error ?? JSON.stringify(r)));
    expect(reasons.join('\n')).toContain('no integer version at $.data.ride_version');
  });
});
