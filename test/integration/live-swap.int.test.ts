/**
 * The live engine's side of a blue-green rebuild (issue 10 point 4), on each server database
 * (MariaDB, PostgreSQL) and Kafka:
 * - every live transaction holds its partition's swap lock: while another connection holds it,
 *   nothing commits, the engine logs that it waits for a swap, and it goes on once released;
 * - a stored spec fingerprint changed under a running engine (what a rebuild's swap records)
 *   rolls the noticing transaction back; the engine re-reads its --config specs and applies the
 *   next events with the new spec, none skipped or applied twice;
 * - given a plan object it cannot reload: it stops, naming the projection and both fingerprints.
 */
import { describe, expect, it } from 'vitest';
import { partitionLockName } from '../../src/runtime/rebuild/swap-lock.js';
import { openSession } from '../../src/runtime/sinks/open.js';
import type { Session } from '../../src/runtime/sinks/session.js';
import { recordFingerprints } from '../../src/runtime/lifecycle/fingerprints.js';
import { migrateDatabase } from '../../src/sql/migrate-run.js';
import { engineTablesFor } from '../../src/sql/engine-tables.js';
import { expectedTables } from '../helpers/model.js';
import { dbPositions, produce, waitDrained } from '../helpers/kafka.js';
import { startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, queryDb as query } from '../helpers/services.js';
import { changeSpec, planOfDir, VIEWED_TYPE } from '../helpers/spec-change.js';
import { generateStream, partitionOf, type StreamMessage } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

/** thing.viewed events for these things, on the things topic (`partitions` partitions). */
function views(topic: string, things: string[], prefix: string, partitions = 3): StreamMessage[] {
  return things.map((id, i) => {
    const event = { event_type: VIEWED_TYPE, event_id: `${prefix}-v${i}`, timestamp: '2026-01-06T10:00:00Z', entity_id: id, entity_version: 0, data: { viewer: `w${i}` } };
    return { topic, key: id, value: Buffer.from(JSON.stringify(event)), partition: partitionOf(topic, id, partitions), kind: 'event' as const, event };
  });
}

describe.skipIf(skip).each(servers)('live transactions and a rebuild\'s swap ($name)', (server) => {
  const { flow } = testResources();

  it('a live transaction waits while another connection holds its partition lock, then commits', async () => {
    const { spec, db, topics } = await flow('lswait', 1, server);
    const messages = generateStream({ seed: 21, topics: spec, partitions: 1, things: 60, marks: 80, stubTargets: 5, duplicateRate: 0.05 });
    await produce(messages);
    // What a rebuild's swap holds: the locks of the live group's partitions, on its own session.
    const holder = (await openSession(db.url)) as Session;
    try {
      for (const t of topics) expect(await holder.lock(partitionLockName(spec.group, t, 0), 5)).toBe(true);
      const { rt, lines } = await startInProcess({ config: spec.dir, databaseUrl: db.url, lockTimeoutS: 1 });
      try {
        await waitFor('a transaction waiting for the swap lock', () => lines.some((l) => l.msg.startsWith('waiting for a rebuild\'s swap')), { timeoutMs: 90_000 });
        // Two lock timeouts later, still nothing committed: the waiting is not an error either.
        await waitFor('a second wait', () => lines.filter((l) => l.msg.startsWith('waiting for a rebuild\'s swap')).length >= 2, { timeoutMs: 60_000 });
        expect(await dbPositions(db.url, spec.group)).toEqual(new Map());
        expect(lines.filter((l) => l.level === 'error')).toEqual([]);
        expect(rt.ready().ok, 'waiting for a swap is not an outage').toBe(true);
        await holder.unlock(topics.map((t) => partitionLockName(spec.group, t, 0)));
        await waitDrained(db.url, spec.group, topics, 120_000);
      } finally {
        await rt.stop();
      }
      expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
      // The engine released every lock after its transactions: the holder can take them at once.
      for (const t of topics) expect(await holder.lock(partitionLockName(spec.group, t, 0), 0)).toBe(true);
    } finally {
      await holder.close();
    }
  });

  it('a fingerprint changed under the running engine makes it reload its specs and apply the next events with the new spec', async () => {
    const { spec, db, topics } = await flow('lsreload', 3, server);
    const first = generateStream({ seed: 22, topics: spec, things: 120, marks: 150, stubTargets: 5, unhandled: 30, duplicateRate: 0.03 });
    const { rt, lines } = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    try {
      await produce(first);
      await waitDrained(db.url, spec.group, topics, 120_000);
      const before = await readTables(db.url);
      expect(diffTables(expectedTables(first), before)).toEqual([]);

      // What a rebuild does, reduced to its effect on the live side: the tables take the new
      // spec's shape and the new spec's fingerprint is recorded (here without a backfill).
      changeSpec(spec);
      const next = planOfDir(spec.dir);
      await migrateDatabase(db.url, [...next.tables, ...engineTablesFor(next)], { apply: true });
      await recordFingerprints(db.url, next, ['it-flow']);

      const created = [...new Set(first.filter((m) => m.event?.event_type === 'thing.created').map((m) => m.event?.entity_id as string))].slice(0, 40);
      const second = [...views(spec.things, created, 's22b'), ...views(spec.things, created.slice(0, 10), 's22c')];
      await produce(second);
      await waitDrained(db.url, spec.group, topics, 120_000);

      const reloads = lines.filter((l) => l.msg.startsWith('spec changed under the running engine'));
      expect(reloads.map((l) => [l.level, l.group, l.projection]), JSON.stringify(lines.slice(-20))).toEqual([['info', spec.group, 'it-flow']]);
      expect(lines.filter((l) => l.level === 'error')).toEqual([]);
      // Every view after the change counted exactly once, none before it (no backfill here).
      const counts = await query(db.url, 'SELECT thing_id, view_count FROM things WHERE view_count <> 0 ORDER BY thing_id');
      const want = new Map<string, number>();
      for (const m of second) want.set(m.key, (want.get(m.key) ?? 0) + 1);
      expect(new Map(counts.map((r) => [String(r.thing_id), Number(r.view_count)]))).toEqual(new Map([...want].sort()));
      // The rest is what the old spec made of the first part, untouched.
      const after = await readTables(db.url, ['thing_tags', 'thing_events', 'marks']);
      expect(diffTables({ thing_tags: before.thing_tags ?? [], thing_events: before.thing_events ?? [], marks: before.marks ?? [] }, after)).toEqual([]);
      expect(rt.stats()[spec.group]?.applied).toBeGreaterThan(0);
    } finally {
      await rt.stop();
    }
  });

  it('given a plan object, it stops with a message naming the projection and both fingerprints', async () => {
    const { spec, db, topics } = await flow('lsplan', 3, server);
    const plan = planOfDir(spec.dir);
    const first = generateStream({ seed: 23, topics: spec, things: 40, marks: 40 });
    const { rt, lines } = await startInProcess({ plan, databaseUrl: db.url });
    await produce(first);
    await waitDrained(db.url, spec.group, topics, 120_000);
    const [old] = await query(db.url, 'SELECT fingerprint FROM sc_spec_fingerprints WHERE projection = ?', ['it-flow']);

    changeSpec(spec);
    const next = planOfDir(spec.dir);
    await recordFingerprints(db.url, next, ['it-flow']);
    const [now] = await query(db.url, 'SELECT fingerprint FROM sc_spec_fingerprints WHERE projection = ?', ['it-flow']);
    const positions = await dbPositions(db.url, spec.group);
    await produce(views(spec.things, [first[0]?.key ?? 'x'], 's23b'));

    const err = await rt.done.then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    const message = (err as Error).message;
    expect(message).toContain('projection it-flow');
    expect(message).toContain(String(old?.fingerprint));
    expect(message).toContain(String(now?.fingerprint));
    expect(lines.filter((l) => l.msg.startsWith('spec changed under the running engine')).length).toBe(1);
    // The transaction that noticed wrote nothing.
    expect(await dbPositions(db.url, spec.group)).toEqual(positions);
  });
});
