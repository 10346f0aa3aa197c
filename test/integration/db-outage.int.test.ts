/**
 * The database goes away for ~8 s in the middle of a run while the stream keeps arriving, on
 * MariaDB (mariadb-admin shutdown) and on PostgreSQL (pg_ctl stop -m fast: its backends end with
 * 57P01, then connections are refused), each alone, then `scripts/services.sh up` starts it again.
 * The `run` process must not crash: it retries with backoff, resumes by itself, loses nothing,
 * applies nothing twice and dead-letters nothing. And a stop (SIGTERM) while the database is away
 * must still end the process cleanly, and a later run picks up exactly where the database says.
 * The server is started again in afterAll even when a test fails.
 *
 * Needs the local servers of scripts/services.sh (stopMariaDb / stopPostgres in
 * test/helpers/services.ts). Stops shared servers: run it only under the exclusive lock
 * (flock -x /tmp/sc-services.lock), as readyz-outage.int.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { endOffsets, produce, progress, readTopics, waitDrained } from '../helpers/kafka.js';
import { engineErrors, spawnRun, stopChild } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, mariaDbAnswers, postgresAnswers, startServices, stopMariaDb, stopPostgres } from '../helpers/services.js';
import { generateStream } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { sleep, waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');
const OUTAGE_MS = 8000;
/** How to stop each server alone, and to tell that it answers again (as readyz-outage.int). */
const OUTAGES = {
  mysql: { stop: stopMariaDb, answers: mariaDbAnswers },
  postgres: { stop: stopPostgres, answers: postgresAnswers },
} as const;

describe.skipIf(skip).each(servers)('$name outage during a run', (server) => {
  const outage = OUTAGES[server.kind];
  const { track, flow } = testResources();

  // Whatever happened above, the next test files need the server, and the cleanups need it to drop
  // the databases: registered after testResources(), this hook runs before its (hooks are stacked).
  afterAll(async () => {
    if (!(await outage.answers())) await startServices();
  });

  it('retries with backoff, resumes, and ends exactly at the model', async () => {
    const { spec, db, topics } = await flow(`dbout${server.kind}`, 3, server);
    const messages = generateStream({
      seed: 6, topics: spec, things: 2000, maxLifecycle: 4, orphans: 30, marks: 3300, stubTargets: 30, duplicateRate: 0.03, staleRate: 0.05, unhandled: 30,
    });
    const head = Math.floor(messages.length / 4);
    await produce(messages.slice(0, head));

    const run = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 50 }));
    // The rest keeps arriving for ~20 s, through the outage.
    const producing = produce(messages.slice(head), 300, 300);
    await waitFor('a first part of the stream applied', async () => (await progress(db.url, spec.group, await endOffsets(topics))) > 0.1, { timeoutMs: 60_000, intervalMs: 100 });

    const down = Date.now();
    await outage.stop();
    await waitFor('the runtime to notice and retry', () => run.lines.some((l) => l.msg === 'database unavailable, retrying'), { timeoutMs: 30_000 });
    await sleep(Math.max(0, OUTAGE_MS - (Date.now() - down)));
    expect(run.alive(), run.tail()).toBe(true);
    await startServices();
    const downS = (Date.now() - down) / 1000;

    await producing;
    await waitDrained(db.url, spec.group, topics, 150_000);
    expect(run.alive(), run.tail()).toBe(true);
    const retries = run.lines.filter((l) => l.msg === 'database unavailable, retrying');
    const stats = run.lastStats();
    expect(await stopChild(run), run.tail()).toEqual({ code: 0, signal: null });
    console.log(`db outage (${server.name}): ${downS.toFixed(1)} s down, ${retries.length} retry lines (delays ${retries.map((l) => String(l.delay_ms)).join(', ')} ms); last stats ${JSON.stringify(stats)}`);

    expect(retries.length).toBeGreaterThan(0);
    // Backoff: the waits grow (full jitter, so compare the ceilings' trend loosely: some wait is over a second).
    expect(Math.max(...retries.map((l) => Number(l.delay_ms)))).toBeGreaterThan(1000);
    expect(run.other, 'no crash output').toEqual([]);
    expect(engineErrors(run.lines)).toEqual([]);
    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
    expect(await readTopics([`${spec.things}.dlq`, `${spec.marks}.dlq`])).toEqual([]);
  });

  it('stops cleanly on SIGTERM while the database is away; the next run finishes exactly', async () => {
    const { spec, db, topics } = await flow(`dbstop${server.kind}`, 3, server);
    const messages = generateStream({ seed: 11, topics: spec, things: 800, maxLifecycle: 4, marks: 1300, stubTargets: 10, duplicateRate: 0.03, staleRate: 0.05 });
    const head = Math.floor(messages.length / 4);
    await produce(messages.slice(0, head));
    const first = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 50 }));
    const producing = produce(messages.slice(head), 300, 300);
    await waitFor('a first part of the stream applied', async () => (await progress(db.url, spec.group, await endOffsets(topics))) > 0.1, { timeoutMs: 60_000, intervalMs: 100 });

    await outage.stop();
    try {
      await waitFor('the runtime to notice and retry', () => first.lines.some((l) => l.msg === 'database unavailable, retrying'), { timeoutMs: 30_000 });
      const stopped = Date.now();
      const exit = await stopChild(first, 30_000);
      console.log(`SIGTERM during the outage: exited ${JSON.stringify(exit)} after ${Date.now() - stopped} ms`);
      expect(exit, first.tail()).toEqual({ code: 0, signal: null });
      expect(first.other, 'no crash output').toEqual([]);
    } finally {
      await startServices();
    }

    await producing;
    const second = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 50 }));
    await waitDrained(db.url, spec.group, topics, 120_000);
    expect(await stopChild(second), second.tail()).toEqual({ code: 0, signal: null });
    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
  });
});
