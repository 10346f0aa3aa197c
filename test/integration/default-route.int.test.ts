/**
 * Default routes end to end (issue 9 point 3, analytics-sync CONTRACT Part B): the contract's
 * `notifications` examples through real Kafka into each server database (MariaDB, PostgreSQL)
 * with the shipped notifications-router; and exactly-once without event ids under kill -9, where
 * only the stored positions (committed with the effects) keep a message from being applied twice.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { parseDatabaseUrl } from '../../src/sql/connection.js';
import { validatePaths } from '../../src/validate/index.js';
import { isolatedSpecs, readNdjsonFile } from '../helpers/e2e.js';
import { committedOffsets, createTopics, dbPositions, deleteTopics, endOffsets, progress, readTopics, testKafka, waitDrained } from '../helpers/kafka.js';
import { killChild, spawnRun, startInProcess, stopChild } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, queryDb, uniqueName } from '../helpers/services.js';
import { sleep, waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

interface Out { topic: string; key: string | null; value: Buffer }

async function send(messages: Out[]): Promise<void> {
  const producer = testKafka('sc-it-default-route').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 1000) {
      const byTopic = new Map<string, Array<{ key: string | null; value: Buffer }>>();
      for (const m of messages.slice(i, i + 1000)) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value }]);
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Rows with datetimes as text on both servers (queryDb reads PostgreSQL's so). */
async function query(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  if (parseDatabaseUrl(url).kind === 'postgres') return queryDb(url, sql);
  const c = await mysql.createConnection({ uri: url, dateStrings: true });
  try {
    return (await c.query(sql))[0] as Array<Record<string, unknown>>;
  } finally {
    await c.end();
  }
}

describe.skipIf(skip).each(servers)('default routes through Kafka and $name', (server) => {
  const { onCleanup, track } = testResources();

  it('routes the contract examples: code handlers, the default route once per message, non-JSON to the DLQ', async () => {
    const prefix = `${uniqueName('dr')}.`;
    const only = mkdtempSync(join(tmpdir(), 'sc-dr-'));
    copyFileSync('projections/notifications-router.yaml', join(only, 'notifications-router.yaml'));
    const specs = isolatedSpecs(only, prefix, `-${prefix.slice(0, -1)}`);
    const plan = validatePaths([specs]).plan as Plan;
    const topic = `${prefix}notifications`;
    const group = plan.groups[0]?.group as string;
    const db = await server.fresh('sc_it_dr');
    onCleanup(() => rmSync(only, { recursive: true, force: true }), () => rmSync(specs, { recursive: true, force: true }), () => db.drop(), () => deleteTopics([topic, `${topic}.dlq`]));
    await createTopics([topic], 3);

    const examples = readNdjsonFile('test/fixtures/notifications.ndjson') as Array<{ topic: string; key: string | null; value?: unknown; value_raw?: string }>;
    const out = examples.map((e) => ({ topic: prefix + e.topic, key: e.key, value: Buffer.from(e.value_raw ?? JSON.stringify(e.value)) }));
    await send(out);
    const sent = await readTopics([topic]);
    expect(sent).toHaveLength(10);

    const before = new Date(Date.now() - 2000).toISOString().replace('T', ' ').slice(0, 19);
    let run = await startInProcess({ plan, databaseUrl: db.url });
    try {
      await waitDrained(db.url, group, [topic]);
    } finally {
      await run.rt.stop();
    }
    expect(await query(db.url, 'SELECT user_id, email, created_at, deleted_at FROM notified_users ORDER BY user_id')).toEqual([
      { user_id: 123, email: 'user@example.com', created_at: '2026-10-27 10:00:00.000', deleted_at: '2026-10-27 10:05:00.000' },
      { user_id: 124, email: "o'neil@example.com", created_at: '2026-10-27 10:00:01.000', deleted_at: null },
    ]);

    // Every message no code handler takes, at its own Kafka coordinates, once.
    const unrouted = await query(db.url, `SELECT source_topic, source_partition, source_offset, code, CAST(raw AS ${server.kind === 'postgres' ? 'TEXT' : 'CHAR'}) AS raw, received_at FROM unrouted_messages`);
    const expected = sent.filter((m) => {
      const text = m.value?.toString('utf8') ?? '';
      return !text.includes('"USER_CREATED"') && !text.includes('"USER_DELETED"');
    });
    expect(expected).toHaveLength(6);
    const key = (t: unknown, p: unknown, o: unknown) => `${String(t)}/${String(p)}/${String(o)}`;
    expect(unrouted.map((r) => key(r.source_topic, r.source_partition, r.source_offset)).sort()).toEqual(expected.map((m) => key(m.topic, m.partition, m.offset)).sort());
    const byCoords = new Map(unrouted.map((r) => [key(r.source_topic, r.source_partition, r.source_offset), r]));
    for (const m of expected) {
      const row = byCoords.get(key(m.topic, m.partition, m.offset));
      const value: unknown = JSON.parse(m.value?.toString('utf8') ?? 'null');
      expect(JSON.parse(String(row?.raw))).toEqual(value);
      const code = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as { code?: unknown }).code : undefined;
      expect(row?.code).toBe(code === undefined || code === null ? null : String(code));
      expect(String(row?.received_at) >= before).toBe(true);
    }
    expect(unrouted.map((r) => r.code).sort()).toEqual(['42', 'PASSWORD_RESET', null, null, null, null].sort());

    // The value that is not JSON is in the dead-letter topic, with its bytes and the reason.
    const letters = await readTopics([`${topic}.dlq`]);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.value?.toString('utf8')).toBe('{"code": "USER_CREATED", "data": {');
    expect(letters[0]?.headers['sc-reason']).toMatch(/^value is not JSON/);

    // A restart reads nothing twice; the same messages sent again are new messages (no ids):
    // the user rows stay as they are and each new message is logged once at its new offset.
    await send(out);
    run = await startInProcess({ plan, databaseUrl: db.url });
    try {
      await waitDrained(db.url, group, [topic]);
    } finally {
      await run.rt.stop();
    }
    expect(await query(db.url, 'SELECT user_id, deleted_at FROM notified_users ORDER BY user_id')).toEqual([
      { user_id: 123, deleted_at: '2026-10-27 10:05:00.000' },
      { user_id: 124, deleted_at: null },
    ]);
    expect(await query(db.url, "SELECT COUNT(*) AS n, COUNT(DISTINCT CONCAT(source_partition, '/', source_offset)) AS d FROM unrouted_messages")).toEqual([{ n: 12, d: 12 }]);
    expect(await readTopics([`${topic}.dlq`])).toHaveLength(2);
  });

  it('applies each message once without event ids, through kill -9 at several points', async () => {
    const name = uniqueName('drcrash');
    const topic = `${name}.in`;
    const group = `${name}-g`;
    const dir = mkdtempSync(join(tmpdir(), 'sc-drcrash-'));
    // Counters double when a message is applied twice and fall short when one is lost.
    writeFileSync(join(dir, 'counts.yaml'), `projection: counts
group: ${group}
topics: [${topic}]
envelope: { type: $.code, id: none }
tables:
  hits:
    key: [k]
    columns: { k: { type: string, length: 16 }, n: { type: int, default: 0 } }
  unrouted_totals:
    key: [k]
    columns: { k: { type: string, length: 16 }, n: { type: int, default: 0 } }
  unrouted:
    key: [source_topic, source_partition, source_offset]
    columns: { source_topic: { type: string, length: 249 }, source_partition: int, source_offset: bigint, code: { type: text, nullable: true } }
on:
  HIT:
    - increment: hits
      where: { k: $.k }
      by: { n: 1 }
      create_missing: true
default:
  - insert: unrouted
    set: { source_topic: $source.topic, source_partition: $source.partition, source_offset: $source.offset, code: $type }
  - increment: unrouted_totals
    where: { k: all }
    by: { n: 1 }
    create_missing: true
`);
    const db = await server.fresh('sc_it_drcrash');
    onCleanup(() => rmSync(dir, { recursive: true, force: true }), () => db.drop(), () => deleteTopics([topic, `${topic}.dlq`]));
    await createTopics([topic], 3);

    // 20000 messages, the same few values over and over (no id tells them apart).
    let seed = 11;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const hits = new Map<string, number>();
    let unroutedCount = 0;
    const out: Out[] = [];
    for (let i = 0; i < 20_000; i++) {
      const k = `k${rnd(40)}`;
      const pick = rnd(10);
      let value: unknown;
      if (pick < 7) {
        value = { code: 'HIT', k };
        hits.set(k, (hits.get(k) ?? 0) + 1);
      } else {
        value = [{ code: 'OTHER' }, { k }, { code: 7 }][pick - 7];
        unroutedCount++;
      }
      out.push({ topic, key: k, value: Buffer.from(JSON.stringify(value)) });
    }
    const run = (env?: Record<string, string>) => track(spawnRun({ config: dir, databaseUrl: db.url, maxBatch: 5, ...(env ? { env } : {}) }));

    // 1. The narrowest window: killed after the database commit, before the Kafka offset commit
    // (a fetched batch may hold all of a partition's messages: only a part is sent before).
    await send(out.slice(0, 3000));
    const crashing = run({ SC_TEST_CRASH_AFTER_DB_COMMIT: '1' });
    const exit = await Promise.race([crashing.exited, sleep(90_000).then(() => undefined)]);
    expect(exit, crashing.tail()).toEqual({ code: null, signal: 'SIGKILL' });
    const stored = await dbPositions(db.url, group);
    const committed = await committedOffsets(group, [topic]);
    expect([...stored].filter(([k, next]) => next > (committed.get(k) ?? -1)).length, `db ${JSON.stringify([...stored])} kafka ${JSON.stringify([...committed])}`).toBeGreaterThan(0);

    // 2. Killed mid-run, as soon as it has committed something.
    await send(out.slice(3000));
    const ends = await endOffsets([topic]);
    let c = run();
    const at = await progress(db.url, group, ends);
    await waitFor('the restarted process to commit', async () => (await progress(db.url, group, ends)) > at, { timeoutMs: 90_000, intervalMs: 20 });
    await killChild(c);
    expect(await progress(db.url, group, ends)).toBeLessThan(1);

    // 3. To the end, then a graceful stop.
    c = run();
    await waitDrained(db.url, group, [topic], 120_000);
    expect(await stopChild(c), c.tail()).toEqual({ code: 0, signal: null });

    const counted = new Map((await query(db.url, 'SELECT k, n FROM hits')).map((r) => [String(r.k), Number(r.n)]));
    expect(counted).toEqual(hits);
    expect(await query(db.url, 'SELECT k, n FROM unrouted_totals')).toEqual([{ k: 'all', n: unroutedCount }]);
    expect(await query(db.url, 'SELECT COUNT(*) AS n FROM unrouted')).toEqual([{ n: unroutedCount }]);
    expect(await query(db.url, 'SELECT COUNT(*) AS n FROM sc_processed_events')).toEqual([{ n: 0 }]);
  });
});
