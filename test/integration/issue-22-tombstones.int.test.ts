/**
 * Issue 22 through real Kafka and MariaDB: a compacted topic (cleanup.policy=compact) with JSON
 * keys as the table key and a header into a column; its tombstones (null values) delete rows
 * through `tombstone:`; a tombstone on a topic whose projection has none is skipped and counted
 * as (tombstone), not dead-lettered; a key that is not JSON is a dead letter that keeps the
 * record's headers; and exactly-once under kill -9 holds for tombstones too
 * (counters would double or fall short).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validatePaths } from '../../src/validate/index.js';
import type { Plan } from '../../src/compile/plan.js';
import { deleteTopics, endOffsets, progress, readTopics, testKafka, waitDrained, withAdmin } from '../helpers/kafka.js';
import { killChild, spawnRun, startInProcess, stopChild } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { openKnex, parseDatabaseUrl } from '../../src/sql/connection.js';
import { freshDatabase, freshPostgresDatabase, queryDb, skipWithout, uniqueName } from '../helpers/services.js';
import { sleep, waitFor } from '../helpers/wait.js';

const skip = skipWithout('DATABASE_URL', 'KAFKA_BROKERS');
const skipPostgres = skipWithout('POSTGRES_URL', 'KAFKA_BROKERS');
type Fresh = (prefix: string) => Promise<{ url: string; drop: () => Promise<void> }>;

/** Rows of a query on either database (plain identifiers: the same SQL on both). */
async function rows(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  if (parseDatabaseUrl(url).kind === 'mysql') return queryDb(url, sql);
  const k = openKnex(url);
  try {
    return ((await k.raw(sql)) as { rows: Array<Record<string, unknown>> }).rows;
  } finally {
    await k.destroy();
  }
}

interface Out { topic: string; id: string; value: Buffer | null; trace?: string; rawKey?: string }

const spec = (group: string, things: string, notes: string) => `projection: things
group: ${group}
topics: [${things}]
formats: { key: json }
tables:
  things:
    key: [id]
    columns: { id: { type: string, length: 16 }, name: { type: string, length: 32 }, trace: { type: string, length: 32, nullable: true } }
  counts:
    key: [k]
    columns: { k: { type: string, length: 16 }, n: { type: int, default: 0 } }
on:
  thing.set:
    - insert: things
      set: { id: $key.id, name: $.name, trace: $headers.trace }
      on_conflict: update
    - increment: counts
      where: { k: sets }
      by: { n: 1 }
      create_missing: true
tombstone:
  - delete: things
    where: { id: $key.id }
  - increment: counts
    where: { k: deletes }
    by: { n: 1 }
    create_missing: true
---
projection: notes
group: ${group}
topics: [${notes}]
formats: { key: json }
tables:
  notes:
    key: [id]
    columns: { id: { type: string, length: 16 } }
on:
  note.set:
    - insert: notes
      set: { id: $key.id }
      on_conflict: ignore
`;

async function send(messages: Out[]): Promise<void> {
  const producer = testKafka('sc-it-tombstones').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += 1000) {
      const byTopic = new Map<string, Array<{ key: string; value: Buffer | null; headers?: Record<string, string> }>>();
      for (const m of messages.slice(i, i + 1000)) {
        byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.rawKey ?? JSON.stringify({ id: m.id }), value: m.value, ...(m.trace ? { headers: { trace: m.trace } } : {}) }]);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
    }
  } finally {
    await producer.disconnect();
  }
}

let n = 0;
const set = (topic: string, id: string, name: string, type = 'thing.set'): Out => ({ topic, id, value: Buffer.from(JSON.stringify({ event_id: `e${n++}`, event_type: type, name })), trace: `t-${name}` });
const tombstone = (topic: string, id: string): Out => ({ topic, id, value: null });

const { onCleanup, track } = testResources();

async function setUp(tag: string, fresh: Fresh = freshDatabase) {
  const name = uniqueName(tag);
  const [things, notes, group] = [`${name}.things`, `${name}.notes`, `${name}-g`];
  const dir = mkdtempSync(join(tmpdir(), 'sc-tomb-'));
  writeFileSync(join(dir, 'things.yaml'), spec(group, things, notes));
  const db = await fresh('sc_it_tomb');
  onCleanup(() => rmSync(dir, { recursive: true, force: true }), () => db.drop(), () => deleteTopics([things, notes, `${things}.dlq`, `${notes}.dlq`]));
  await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [things, notes].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] })) }));
  return { things, notes, group, dir, db };
}

async function deletesByKey(fresh: Fresh): Promise<void> {
  const { things, notes, group, dir, db } = await setUp('tomb', fresh);
  await send([set(things, 'a', 'A1'), set(things, 'b', 'B1'), set(things, 'c', 'C1'), tombstone(things, 'b'), set(things, 'a', 'A2'), tombstone(things, 'c'), set(things, 'c', 'C2'), set(notes, 'x', 'X', 'note.set'), tombstone(notes, 'x'), { ...set(things, 'd', 'bad'), rawKey: 'not json' }]);
  const run = await startInProcess({ plan: validatePaths([dir]).plan as Plan, databaseUrl: db.url });
  try {
    await waitDrained(db.url, group, [things, notes]);
    const stats = run.rt.stats()[group];
    expect(stats?.skippedTypes.get('(tombstone)')).toBe(1);
    expect(stats?.deadLettered).toBe(1);
  } finally {
    await run.rt.stop();
  }
  expect(await rows(db.url, 'SELECT id, name, trace FROM things ORDER BY id')).toEqual([{ id: 'a', name: 'A2', trace: 't-A2' }, { id: 'c', name: 'C2', trace: 't-C2' }]);
  expect(await rows(db.url, 'SELECT k, n FROM counts ORDER BY k')).toEqual([{ k: 'deletes', n: 2 }, { k: 'sets', n: 5 }]);
  expect(await rows(db.url, 'SELECT id FROM notes')).toEqual([{ id: 'x' }]);
  // The key that is not JSON: a dead letter with the reason, keeping the record's own header.
  const letters = await readTopics([`${things}.dlq`]);
  expect(letters.map((l) => [l.key?.toString(), l.headers.trace, l.headers['sc-reason']])).toEqual([['not json', 't-bad', expect.stringMatching(/^key is not JSON: /)]]);
}

describe.skipIf(skipPostgres)('issue 22: tombstones on a compacted topic, into PostgreSQL', () => {
  it('deletes rows by their JSON key, keeps a header in a column, counts the tombstone nothing handles', () => deletesByKey(freshPostgresDatabase));
});

describe.skipIf(skip)('issue 22: tombstones on a compacted topic', () => {
  it('deletes rows by their JSON key, keeps a header in a column, counts the tombstone nothing handles', () => deletesByKey(freshDatabase));

  it('applies each tombstone once through kill -9 after the database commit and mid-run', async () => {
    const { things, group, dir, db } = await setUp('tombcrash');
    // 4000 messages on 50 ids: sets and tombstones mixed; the model is the last word per id.
    const out: Out[] = [];
    const last = new Map<string, string | null>();
    let sets = 0;
    let deletes = 0;
    for (let i = 0; i < 4000; i++) {
      const id = `k${(i * 7919) % 50}`;
      if (i % 5 === 3) {
        out.push(tombstone(things, id));
        last.set(id, null);
        deletes++;
      } else {
        out.push(set(things, id, `v${i}`));
        last.set(id, `v${i}`);
        sets++;
      }
    }
    const run = (env?: Record<string, string>) => track(spawnRun({ config: dir, databaseUrl: db.url, maxBatch: 5, ...(env ? { env } : {}) }));
    await send(out.slice(0, 1500));
    const crashing = run({ SC_TEST_CRASH_AFTER_DB_COMMIT: '1' });
    const exit = await Promise.race([crashing.exited, sleep(90_000).then(() => undefined)]);
    expect(exit, crashing.tail()).toEqual({ code: null, signal: 'SIGKILL' });

    await send(out.slice(1500));
    const ends = await endOffsets([things]);
    const mid = run();
    const at = await progress(db.url, group, ends);
    await waitFor('the restarted process to commit', async () => (await progress(db.url, group, ends)) > at, { timeoutMs: 90_000, intervalMs: 20 });
    await killChild(mid);

    const final = run();
    await waitDrained(db.url, group, [things], 120_000);
    expect(await stopChild(final), final.tail()).toEqual({ code: 0, signal: null });
    const expected = [...last].filter(([, v]) => v !== null).map(([id, name]) => ({ id, name })).sort((x, y) => x.id.localeCompare(y.id));
    expect(await queryDb(db.url, 'SELECT id, name FROM things ORDER BY id')).toEqual(expected);
    expect(await queryDb(db.url, 'SELECT k, n FROM counts ORDER BY k')).toEqual([{ k: 'deletes', n: deletes }, { k: 'sets', n: sets }]);
  });
});
