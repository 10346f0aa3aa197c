/**
 * `sc-project rebuild` on each server database (MariaDB, PostgreSQL) and Kafka with no live engine running (liveswap's test runs one):
 * a changed spec (a new column and a handler for an event type the stream carried from the start)
 * rebuilt from the earliest offsets equals a from-scratch run of the new spec, the live engine then
 * carries on from its positions without a double; a group that never ran takes the rebuild's
 * positions; a partition whose earliest offset is above 0 is refused unless --allow-partial.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Partitioners } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { rebuild } from '../../src/runtime/rebuild/rebuild.js';
import { createTopics, dbPositions, deleteTopics, testKafka, waitDrained, withAdmin } from '../helpers/kafka.js';
import { cardEvents, tableNames, tableRows, writeCardsSpec, type CardEvent } from '../helpers/rebuild-scenario.js';
import { BIN, ROOT, startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, KAFKA_BROKERS, skipWithout, uniqueName, queryDb as query } from '../helpers/services.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');
const brokers = (KAFKA_BROKERS ?? '').split(',');

async function publish(events: CardEvent[]): Promise<void> {
  const producer = testKafka('sc-it-rebuild').producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (let i = 0; i < events.length; i += 1000) {
      await producer.send({ topic: (events[0] as CardEvent).topic, acks: -1, messages: events.slice(i, i + 1000).map((e) => ({ key: e.key, value: JSON.stringify(e.value) })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Run the engine on `config` until its group's positions reach the topic's end, then stop it. */
async function runDrained(config: string, url: string, group: string, topic: string): Promise<void> {
  const { rt } = await startInProcess({ config, databaseUrl: url, statsInterval: 0, sessionTimeoutMs: 6000 });
  try {
    await waitDrained(url, group, [topic]);
  } finally {
    await rt.stop();
  }
}

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 180_000, env: { ...process.env, CI: 'true' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), stdout, stderr });
    });
  });
}

describe.skipIf(skip).each(servers)('rebuild on $name and Kafka', (server) => {
  const { onCleanup } = testResources();

  it('rebuilt with the live engine stopped: equals a from-scratch run of the new spec; the live engine carries on without a double', async () => {
    const topic = uniqueName('rb-accounts');
    const group = uniqueName('rb-cards');
    const spec = writeCardsSpec(topic, group);
    const [live, scratch, never] = [await server.fresh('sc_it_rb_live'), await server.fresh('sc_it_rb_scratch'), await server.fresh('sc_it_rb_never')];
    onCleanup(() => spec.remove(), () => live.drop(), () => scratch.drop(), () => never.drop(), () => deleteTopics([topic]));
    await createTopics([topic], 3);
    await publish(cardEvents(topic, 3000, 150));
    await runDrained(spec.v1, live.url, group, topic);
    const before = await tableRows(live.url, 'cards');
    const livePositions = await dbPositions(live.url, group);

    const report = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: live.url, brokers, sessionTimeoutMs: 6000 });
    expect(report).toMatchObject({ projections: ['cards'], resumed: false, events: 3000, applied: 3000, movedPositions: 0 });
    expect(report.swapMs).toBeGreaterThan(0);
    expect(await dbPositions(live.url, group)).toEqual(livePositions);
    expect(await dbPositions(live.url, `${group}.rebuild`)).toEqual(new Map());
    expect(await query(live.url, 'SELECT count(*) AS n FROM sc_processed_events WHERE consumer_group = ?', [`${group}.rebuild`])).toEqual([{ n: 0 }]);
    expect(await tableRows(live.url, 'cards__old')).toEqual(before);
    expect(await tableNames(live.url)).not.toContain('cards__next');

    // The live engine on the new spec, then more events: applied once, on the new tables; among
    // them a redelivered login (a type the old spec skipped): the live group knows its id from the
    // rebuild, so it is not counted twice.
    const redelivered = cardEvents(topic, 3000, 150)[151] as CardEvent;
    expect(redelivered.value.event_type).toBe('account.login');
    await publish([...cardEvents(topic, 400, 150, 3000), redelivered]);
    await runDrained(spec.v2, live.url, group, topic);
    await runDrained(spec.v2, scratch.url, group, topic);
    const rows = await tableRows(scratch.url, 'cards');
    expect(rows.reduce((s, r) => s + Number(r.logins), 0)).toBe(1625);
    expect(await tableRows(live.url, 'cards')).toEqual(rows);
    expect(await query(live.url, 'SELECT fingerprint FROM sc_spec_fingerprints')).toEqual(await query(scratch.url, 'SELECT fingerprint FROM sc_spec_fingerprints'));

    // A group that never ran: the rebuild hands its positions over, and the engine applies nothing twice.
    const fresh = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: never.url, brokers, sessionTimeoutMs: 6000 });
    expect(fresh.movedPositions).toBe(3);
    expect(await dbPositions(never.url, group)).toEqual(await dbPositions(scratch.url, group));
    await runDrained(spec.v2, never.url, group, topic);
    expect(await tableRows(never.url, 'cards')).toEqual(rows);
  });

  it('refuses a partition whose earliest offset is above 0 unless --allow-partial (exit 1, what and what to do)', async () => {
    const topic = uniqueName('rb-partial');
    const group = uniqueName('rb-partial');
    const spec = writeCardsSpec(topic, group);
    const db = await server.fresh('sc_it_rb_partial');
    onCleanup(() => spec.remove(), () => db.drop(), () => deleteTopics([topic]));
    await createTopics([topic], 1);
    await publish(cardEvents(topic, 300, 50));
    await withAdmin(async (admin) => {
      await admin.fetchTopicMetadata({ topics: [topic] });
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '30' }] });
    });
    const env = ['--database-url', db.url, '--brokers', brokers.join(','), '--session-timeout', '6', '--no-progress'];
    const refused = await cli(['rebuild', 'cards', '-c', spec.v2, ...env]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/cards: history is incomplete \(.*\/0 starts at offset 30/);
    expect(refused.stderr).toMatch(/--allow-partial/);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(await tableNames(db.url)).not.toContain('cards__next');

    const partial = await cli(['rebuild', 'cards', '-c', spec.v2, ...env, '--allow-partial']);
    expect(partial.code, partial.stderr).toBe(0);
    expect(partial.stdout).toMatch(/rebuilt cards: 270 messages/);
    // Accounts whose creation was deleted are missing; the rest are there.
    const rows = await tableRows(db.url, 'cards');
    expect(rows.map((r) => r.account_id).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `a${i + 30}`).sort());
    expect(await dbPositions(db.url, group)).toEqual(new Map([[`${topic}/0`, 300]]));
  });
});

// SQLite's case needs no server database, only Kafka: once, outside the servers' blocks.
describe.skipIf(skipWithout('KAFKA_BROKERS'))('rebuild on SQLite and Kafka', () => {
  const { onCleanup } = testResources();

  it('SQLite with Kafka: the swap is one write transaction; the result equals a from-scratch run', async () => {
    const topic = uniqueName('rb-sqlite');
    const group = uniqueName('rb-sqlite');
    const spec = writeCardsSpec(topic, group);
    const dir = mkdtempSync(join(tmpdir(), 'sc-rb-sqlite-'));
    onCleanup(() => spec.remove(), () => rmSync(dir, { recursive: true, force: true }), () => deleteTopics([topic]));
    await createTopics([topic], 3);
    await publish(cardEvents(topic, 2000, 100));
    const [live, scratch] = [`sqlite:${join(dir, 'live.db')}`, `sqlite:${join(dir, 'scratch.db')}`];
    await runDrained(spec.v1, live, group, topic);
    const positions = await dbPositions(live, group);
    const report = await rebuild({ config: spec.v2, projections: ['cards'], databaseUrl: live, brokers, sessionTimeoutMs: 6000 });
    expect(report).toMatchObject({ events: 2000, movedPositions: 0 });
    expect(await dbPositions(live, group)).toEqual(positions);
    await runDrained(spec.v2, scratch, group, topic);
    expect(await tableRows(live, 'cards')).toEqual(await tableRows(scratch, 'cards'));
    expect(await tableNames(live)).toContain('cards__old');
  });
});
