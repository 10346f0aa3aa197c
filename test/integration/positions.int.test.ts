/**
 * The database's positions are the truth, both ways, whatever Kafka has committed for the group:
 * - a fresh database under a group Kafka already knows starts from the earliest offset (it used to
 *   consume 0 messages), or from the end with --start-from latest;
 * - a database restored from a backup (positions behind Kafka's) re-applies the gap;
 * - a position beyond a partition's end (topic recreated) or below its start (retention) stops the
 *   group with a message saying what happened and what to do; --accept-history-gap continues;
 * - a database emptied under a running engine is detected at the next position update (the cached
 *   position is not the stored one) and the group starts again from the database's truth.
 * On every server database (MariaDB, PostgreSQL).
 */
import { describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { committedOffsets, createTopics, dbPositions, deleteTopics, endOffsets, produce, waitDrained, withAdmin } from '../helpers/kafka.js';
import { engineErrors, startInProcess, type LogLine } from '../helpers/runner.js';
import { testResources, type Db } from '../helpers/scenario.js';
import { eachServer, queryDb } from '../helpers/services.js';
import { generateStream, type StreamMessage } from '../helpers/stream.js';
import type { WrittenSpec } from '../helpers/spec.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

function streamOf(spec: WrittenSpec, seed: number, things = 300): StreamMessage[] {
  return generateStream({ seed, topics: spec, things, maxLifecycle: 3, orphans: 5, marks: 400, stubTargets: 5, duplicateRate: 0.03, staleRate: 0.05, unhandled: 10, idPrefix: `p${seed}` });
}

/** Run the flow's group on `db` until it has drained its topics, then stop; the run's log lines. */
async function drain(spec: WrittenSpec, db: Db, extra: { startFrom?: 'earliest' | 'latest' } = {}): Promise<LogLine[]> {
  const r = await startInProcess({ config: spec.dir, databaseUrl: db.url, ...extra });
  await waitDrained(db.url, spec.group, [spec.things, spec.marks], 120_000);
  await r.rt.stop();
  await r.rt.done;
  expect(engineErrors(r.lines)).toEqual([]);
  return r.lines;
}

const placements = (lines: LogLine[], msg: string) => lines.filter((l) => l.msg === msg);

describe.skipIf(skip).each(servers)('stored positions are authoritative on $name', (server) => {
  const { onCleanup, flow } = testResources();

  it('a fresh database under a group Kafka already knows starts from the earliest offset', async () => {
    const { spec, db, topics } = await flow('pos-fresh', 3, server);
    const messages = streamOf(spec, 31);
    await produce(messages);
    await drain(spec, db);
    const committed = await committedOffsets(spec.group, topics);
    expect([...committed.values()].reduce((a, b) => a + b, 0)).toBe(messages.length);

    // Same group, new database: Kafka says "all consumed", the database says "nothing".
    const fresh = await server.fresh('sc_it_pos_fresh2');
    onCleanup(() => fresh.drop());
    const lines = await drain(spec, fresh);
    expect(placements(lines, 'no stored position: starting from the earliest offset')).toHaveLength(6);
    expect(diffTables(expectedTables(messages), await readTables(fresh.url))).toEqual([]);

    // --start-from latest on another new database: nothing old is applied, what comes next is.
    const latest = await server.fresh('sc_it_pos_latest');
    onCleanup(() => latest.drop());
    const r = await startInProcess({ config: spec.dir, databaseUrl: latest.url, startFrom: 'latest' });
    await waitFor('the latest positions to be stored', async () => (await dbPositions(latest.url, spec.group)).size === 6, { timeoutMs: 60_000 });
    expect(placements(r.lines, 'no stored position: starting from the latest offset')).toHaveLength(6);
    const more = streamOf(spec, 32, 50);
    await produce(more);
    await waitDrained(latest.url, spec.group, topics, 120_000);
    await r.rt.stop();
    const s = (await r.rt.done).groups[spec.group];
    expect(s?.events).toBe(more.length);
    expect(diffTables(expectedTables(more), await readTables(latest.url))).toEqual([]);
  });

  it('a database restored from a backup (behind Kafka) re-applies the gap', async () => {
    const { spec, db } = await flow('pos-restore', 3, server);
    const first = streamOf(spec, 33);
    await produce(first);
    await drain(spec, db);
    const backup = await server.clone(db, 'sc_it_restored');
    onCleanup(() => backup.drop());
    const second = streamOf(spec, 34);
    await produce(second);
    await drain(spec, db);
    const all = [...first, ...second];
    expect(diffTables(expectedTables(all), await readTables(db.url))).toEqual([]);

    // The backup holds positions behind Kafka's committed offsets: the gap is applied again.
    const lines = await drain(spec, backup);
    expect(placements(lines, 'database position behind Kafka (database restored?): re-applying from the stored position').length).toBeGreaterThan(0);
    expect(diffTables(expectedTables(all), await readTables(backup.url))).toEqual([]);
    expect(diffTables(await readTables(db.url), await readTables(backup.url))).toEqual([]);
  });

  it('a position beyond the partition end or below its start stops the group, saying what to do', async () => {
    const { spec, db, topics } = await flow('pos-range', 3, server);
    const first = streamOf(spec, 35);
    await produce(first);
    await drain(spec, db);

    // Beyond the end: what a topic deleted and recreated looks like to the stored positions.
    await queryDb(db.url, 'UPDATE sc_consumer_positions SET next_offset = next_offset + 1000 WHERE consumer_group = ? AND topic = ? AND `partition` = 1', [spec.group, spec.things]);
    const beyond = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await expect(beyond.rt.done).rejects.toThrow(/beyond the partition's end .*deleted and recreated.*Nothing was skipped.*sc-project rebuild/s);
    await queryDb(db.url, 'UPDATE sc_consumer_positions SET next_offset = next_offset - 1000 WHERE consumer_group = ? AND topic = ? AND `partition` = 1', [spec.group, spec.things]);

    // Below the start: more messages arrive, then retention deletes some before the group ran.
    const second = streamOf(spec, 36);
    await produce(second);
    const ends = await endOffsets(topics);
    const stored = await dbPositions(db.url, spec.group);
    const k = `${spec.things}/0`;
    const cut = (stored.get(k) ?? 0) + 3;
    expect(cut).toBeLessThan(ends.get(k) ?? 0);
    await withAdmin(async (admin) => {
      await admin.fetchTopicMetadata({ topics: [spec.things] });
      await admin.deleteTopicRecords({ topic: spec.things, partitions: [{ partition: 0, offset: String(cut) }] });
    });
    const below = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await expect(below.rt.done).rejects.toThrow(/below the partition's earliest offset .*deleted \(retention\).*--accept-history-gap/s);
    expect((await dbPositions(db.url, spec.group)).get(k)).toBe(stored.get(k));

    const accepted = await startInProcess({ config: spec.dir, databaseUrl: db.url, acceptHistoryGap: true });
    await waitDrained(db.url, spec.group, topics, 120_000);
    await accepted.rt.stop();
    await accepted.rt.done;
    expect(accepted.lines.filter((l) => l.msg.startsWith('stored position below the earliest offset'))).toHaveLength(1);
    expect(engineErrors(accepted.lines)).toEqual([]);
  });

  it('a database emptied under a running engine is detected and re-applied from the start, never skipped', async () => {
    const { spec, db, topics } = await flow('pos-swap', 3, server);
    const first = streamOf(spec, 37);
    await produce(first);
    const r = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await waitDrained(db.url, spec.group, topics, 120_000);

    // The database is replaced by an empty one (same tables, no rows, no positions) while the
    // engine runs with its positions cached.
    for (const t of ['things', 'thing_tags', 'thing_events', 'marks', 'sc_processed_events', 'sc_consumer_positions']) await queryDb(db.url, `DELETE FROM \`${t}\``);
    const second = streamOf(spec, 38, 100);
    await produce(second);
    await waitDrained(db.url, spec.group, topics, 120_000);
    await r.rt.stop();
    await r.rt.done;
    expect(r.lines.filter((l) => l.msg === 'stored positions changed under the engine: placing the partition again').length).toBeGreaterThan(0);
    expect(engineErrors(r.lines)).toEqual([]);
    expect(diffTables(expectedTables([...first, ...second]), await readTables(db.url))).toEqual([]);
  });

  it('a topic deleted and recreated under a running engine stops the group instead of skipping its new messages', async () => {
    const { spec, db, topics } = await flow('pos-recreate', 3, server);
    await produce(streamOf(spec, 39));
    const r = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await waitDrained(db.url, spec.group, topics, 120_000);
    const before = await dbPositions(db.url, spec.group);
    await deleteTopics([spec.things]);
    await waitFor('the topic to be gone', () => withAdmin(async (admin) => !(await admin.listTopics()).includes(spec.things)), { timeoutMs: 60_000 });
    await createTopics([spec.things]);
    // A few new messages: offsets restart at 0, all below the stored positions.
    await produce(streamOf(spec, 40, 5).filter((m) => m.topic === spec.things));
    await expect(r.rt.done).rejects.toThrow(/deleted and recreated/);
    // Nothing of the new topic was taken for "already applied": the positions did not move.
    expect(await dbPositions(db.url, spec.group)).toEqual(before);
  }, 180_000);
});
