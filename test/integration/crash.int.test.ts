/**
 * Crashes of the `sc-project run` process (kill -9, no cleanup at all) at several points of a
 * ~20k-message run, a restart each time: the final tables equal the model and a clean run's.
 * Then the narrowest window: a crash after the database transaction committed and before the
 * Kafka offset commit (SC_TEST_CRASH_AFTER_DB_COMMIT, a test-only hook in runtime/sources/kafka/consumer.ts); the
 * restart must not apply anything twice (the Δ counters would show it).
 *
 * A restarted member waits for the killed member's Kafka session (10 s in these tests) to expire
 * before the group rebalances, so each kill after the group was joined costs up to 10 s.
 * Runs on every server database (serverDatabases()): MariaDB and PostgreSQL.
 */
import { describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { committedOffsets, dbPositions, endOffsets, produce, progress, waitDrained } from '../helpers/kafka.js';
import { killChild, spawnRun, startInProcess, stopChild, type Child } from '../helpers/runner.js';
import { testResources, type Db } from '../helpers/scenario.js';
import { eachServer } from '../helpers/services.js';
import { flowNames, writeSpec, type WrittenSpec } from '../helpers/spec.js';
import { generateStream, summarize, type StreamMessage } from '../helpers/stream.js';
import { diffTables, readTables, rowCounts } from '../helpers/tables.js';
import { sleep, waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

describe.skipIf(skip).each(servers)('kill -9 of sc-project run on $name', (server) => {
  const { onCleanup, track, flow } = testResources();

  async function setUp(test: string, stream: (spec: WrittenSpec) => StreamMessage[]): Promise<{ spec: WrittenSpec; db: Db; messages: StreamMessage[] }> {
    const { spec, db } = await flow(test, 3, server);
    const messages = stream(spec);
    await produce(messages);
    return { spec, db, messages };
  }

  function run(spec: WrittenSpec, db: Db, env?: Record<string, string>): Child {
    return track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 100, ...(env ? { env } : {}) }));
  }

  it('restarts after kill -9 at several points and ends with the tables of a clean run', async () => {
    const { spec, db, messages } = await setUp('crash', (s) => generateStream({
      seed: 2, topics: s, things: 3600, maxLifecycle: 4, orphans: 80, marks: 6000, stubTargets: 80,
      duplicateRate: 0.03, staleRate: 0.05, unhandled: 100,
    }));
    const topics = [spec.things, spec.marks];
    const ends = await endOffsets(topics);
    const counts = summarize(messages);
    expect(counts.total).toBeGreaterThan(19_000);
    const log: string[] = [];
    const at = async (what: string) => log.push(`${what}: ${(100 * (await progress(db.url, spec.group, ends))).toFixed(1)} %`);

    // 1. During start-up (tables, connections, group join), before any batch.
    let c = run(spec, db);
    await sleep(400);
    await killChild(c);
    await at('killed 0.4 s after the start');

    // 2. Right after the restarted process committed its first batch.
    c = run(spec, db);
    let before = await progress(db.url, spec.group, ends);
    await waitFor('the first batch of the restarted process', async () => (await progress(db.url, spec.group, ends)) > before, { timeoutMs: 90_000, intervalMs: 20 });
    await killChild(c);
    await at('killed after its first batch');

    // 3. Mid-run.
    c = run(spec, db);
    before = await progress(db.url, spec.group, ends);
    await waitFor('a quarter of the stream more', async () => (await progress(db.url, spec.group, ends)) >= Math.min(0.9, before + 0.25), { timeoutMs: 90_000, intervalMs: 50 });
    await killChild(c);
    await at('killed mid-run');
    expect(await progress(db.url, spec.group, ends)).toBeLessThan(1);

    // 4. Let it finish, then stop it gracefully.
    c = run(spec, db);
    await waitDrained(db.url, spec.group, topics, 120_000);
    const exit = await stopChild(c);
    expect(exit, c.tail()).toEqual({ code: 0, signal: null });
    expect(c.other, 'nothing but log lines on stderr').toEqual([]);
    console.log(`crash run: ${counts.total} messages; ${log.join('; ')}`);

    const actual = await readTables(db.url);
    expect(diffTables(expectedTables(messages), actual)).toEqual([]);

    // The same stream from the start, once, with no crash: the same tables.
    const cleanSpec = writeSpec({ ...flowNames('clean'), things: spec.things, marks: spec.marks });
    const cleanDb = await server.fresh('sc_it_clean');
    onCleanup(() => cleanSpec.remove(), () => cleanDb.drop());
    const clean = await startInProcess({ config: cleanSpec.dir, databaseUrl: cleanDb.url });
    await waitDrained(cleanDb.url, cleanSpec.group, topics, 120_000);
    await clean.rt.stop();
    const cleanTables = await readTables(cleanDb.url);
    expect(rowCounts(cleanTables)).toEqual(rowCounts(actual));
    expect(diffTables(cleanTables, actual)).toEqual([]);
  });

  it('a crash between the database commit and the Kafka commit applies nothing twice', async () => {
    const { spec, db, messages } = await setUp('gap', (s) => generateStream({
      seed: 3, topics: s, things: 900, maxLifecycle: 4, orphans: 20, marks: 1500, stubTargets: 20, duplicateRate: 0.03, staleRate: 0.05, unhandled: 20,
    }));
    const topics = [spec.things, spec.marks];

    const crashing = run(spec, db, { SC_TEST_CRASH_AFTER_DB_COMMIT: '2' });
    const exit = await Promise.race([crashing.exited, sleep(90_000).then(() => undefined)]);
    expect(exit, crashing.tail()).toEqual({ code: null, signal: 'SIGKILL' });
    expect(crashing.lines.some((l) => l.msg.startsWith('SC_TEST_CRASH_AFTER_DB_COMMIT'))).toBe(true);

    // The window was really hit: some partition's database position is ahead of Kafka's offset.
    const stored = await dbPositions(db.url, spec.group);
    const committed = await committedOffsets(spec.group, topics);
    const ahead = [...stored].filter(([k, next]) => next > (committed.get(k) ?? -1));
    expect(ahead.length, `db ${JSON.stringify([...stored])} kafka ${JSON.stringify([...committed])}`).toBeGreaterThan(0);

    const restarted = run(spec, db);
    await waitDrained(db.url, spec.group, topics, 120_000);
    expect(await stopChild(restarted), restarted.tail()).toEqual({ code: 0, signal: null });
    // The restart re-read the batch whose offsets Kafka never got, and skipped it.
    const skipped = restarted.lines.some((l) => l.msg === 'database position ahead of Kafka: seeking')
      || restarted.lines.some((l) => l.msg === 'stats' && Number(l.already_applied) > 0);
    expect(skipped, restarted.tail(60)).toBe(true);

    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
  });

  it('run exits with code 1 at once when a source topic is missing (nothing left open)', async () => {
    const { spec, db } = await flow('missing', false, server);
    const c = track(spawnRun({ config: spec.dir, databaseUrl: db.url }));
    const exit = await Promise.race([c.exited, sleep(30_000).then(() => 'still running after 30 s')]);
    expect(exit, c.tail()).toEqual({ code: 1, signal: null });
    expect(c.other.join('\n')).toMatch(/topics missing in Kafka/);
  });
});
