/**
 * Issue 20: database faults that leave the server up, so they run beside the other engineers'
 * tests (the server outages are db-outage.int and readyz-outage.int, under the services lock).
 * - The server ends the sink's connections mid-run (PostgreSQL's pg_terminate_backend: 57P01 on
 *   the session, "Connection terminated" on the client; MariaDB's KILL): the run retries, loses
 *   nothing and applies nothing twice.
 * - PostgreSQL: a table's INSERT and UPDATE revoked mid-run (42501 insufficient_privilege): the run
 *   stops with a message naming the table, dead-letters nothing and moves no position past the
 *   failing batch; nothing a retry could fix, nothing to dead-letter event by event.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { validatePaths } from '../../src/validate/index.js';
import { expectedTables } from '../helpers/model.js';
import { endOffsets, produce, progress, readTopics, waitDrained } from '../helpers/kafka.js';
import { engineErrors, spawnRun, stopChild } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, queryDb, serverDatabases, type ServerDatabase } from '../helpers/services.js';
import { generateStream } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { sleep, waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');
const postgres = serverDatabases().find((s) => s.kind === 'postgres');

/** End every other session on the test's database; how many were ended. */
async function endSessions(server: ServerDatabase, url: string): Promise<number> {
  if (server.kind === 'postgres') {
    const rows = await queryDb(url, 'SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    // Booleans read back as 1/0, as MariaDB's (sql/dialects/postgres/values.ts).
    return rows.filter((r) => Number(r.ok) === 1).length;
  }
  const rows = await queryDb(url, 'SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()');
  let n = 0;
  for (const r of rows) {
    // A session may have ended by itself in between: MariaDB then answers "Unknown thread id".
    await queryDb(url, `KILL ${Number(r.id)}`).then(() => n++, () => undefined);
  }
  return n;
}

describe.skipIf(skip)('issue 20: connections ended by the server, privileges revoked', () => {
  const { track, flow, onCleanup } = testResources();

  it.each(servers)('sessions ended mid-run ($name): retried, nothing lost, nothing applied twice', async (server) => {
    const { spec, db, topics } = await flow(`endsess${server.kind}`, 3, server);
    const messages = generateStream({ seed: 31, topics: spec, things: 600, maxLifecycle: 4, orphans: 10, marks: 1000, stubTargets: 10, duplicateRate: 0.03, staleRate: 0.05 });
    const head = Math.floor(messages.length / 3);
    await produce(messages.slice(0, head));
    const run = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 20 }));
    const producing = produce(messages.slice(head), 200, 200);
    await waitFor('a first part applied', async () => (await progress(db.url, spec.group, await endOffsets(topics))) > 0.1, { timeoutMs: 60_000, intervalMs: 100 });
    // Several rounds, so that some land inside a transaction and some on idle pooled connections.
    let ended = 0;
    for (let i = 0; i < 8; i++) {
      ended += await endSessions(server, db.url);
      await sleep(250);
    }
    await producing;
    await waitDrained(db.url, spec.group, topics, 120_000);
    expect(run.alive(), run.tail()).toBe(true);
    expect(await stopChild(run), run.tail()).toEqual({ code: 0, signal: null });
    const retries = run.lines.filter((l) => l.msg === 'database unavailable, retrying');
    console.log(`sessions ended (${server.name}): ${ended} ended, ${retries.length} retry lines`);
    expect(ended).toBeGreaterThan(0);
    expect(run.other, 'no crash output').toEqual([]);
    expect(engineErrors(run.lines)).toEqual([]);
    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
    expect(await readTopics([`${spec.things}.dlq`, `${spec.marks}.dlq`])).toEqual([]);
  });

  it.skipIf(postgres === undefined)('INSERT and UPDATE revoked mid-run (PostgreSQL): the run stops with a message, nothing dead-lettered', async () => {
    const server = postgres as ServerDatabase;
    const { spec, db, topics } = await flow('revoke', 3, server);
    // The test's role is a superuser, whom no privilege binds: the run logs in as a role of its own.
    const role = `sc_lim_${randomBytes(4).toString('hex')}`;
    const password = randomBytes(9).toString('hex');
    await queryDb(db.url, `CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
    // Before the database is dropped (cleanups run last registered first): its grants go first.
    onCleanup(async () => {
      await queryDb(db.url, `DROP OWNED BY ${role}`);
      await queryDb(db.url, `DROP ROLE ${role}`);
    });
    // Created by the superuser, so the run's role has only what it is granted.
    await applyDdl(db.url, [...(validatePaths([spec.dir]).plan as Plan).tables, ...ENGINE_TABLES]);
    for (const grant of ['GRANT USAGE ON SCHEMA public TO', 'GRANT ALL ON ALL TABLES IN SCHEMA public TO', 'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO']) await queryDb(db.url, `${grant} ${role}`);
    const url = new URL(db.url);
    url.username = role;
    url.password = password;

    const messages = generateStream({ seed: 32, topics: spec, things: 400, maxLifecycle: 4, marks: 600, stubTargets: 5, duplicateRate: 0, staleRate: 0 });
    const head = Math.floor(messages.length / 3);
    await produce(messages.slice(0, head));
    const run = track(spawnRun({ config: spec.dir, databaseUrl: url.toString(), maxBatch: 20 }));
    const producing = produce(messages.slice(head), 200, 200);
    await waitFor('a first part applied', async () => (await progress(db.url, spec.group, await endOffsets(topics))) > 0.1, { timeoutMs: 60_000, intervalMs: 100 });
    await queryDb(db.url, `REVOKE INSERT, UPDATE ON things FROM ${role}`);
    const exit = await Promise.race([run.exited, sleep(60_000).then(() => undefined)]);
    await producing;
    expect(exit, run.tail()).toBeDefined();
    expect(exit?.code, run.tail()).not.toBe(0);
    const said = JSON.stringify(run.lines.filter((l) => l.level === 'error'));
    expect(said, run.tail()).toMatch(/permission denied for table things/);
    expect(said).not.toContain(password);
    expect(run.lines.filter((l) => l.msg === 'dead-lettered')).toEqual([]);
    expect(await readTopics([`${spec.things}.dlq`, `${spec.marks}.dlq`])).toEqual([]);
    expect(await progress(db.url, spec.group, await endOffsets(topics))).toBeLessThan(1);
  });
});
