/**
 * Kafka and position helpers for the integration tests: topics, producing a generated stream
 * (in sequence, idempotent, each message to the partition its key maps to), reading topics back,
 * consumer-group offsets, and waiting until a group's database positions reach the end of its
 * topics (the runtime's own record of what it has committed).
 */
import { Kafka, logLevel, type Admin, type IHeaders, type KafkaMessage } from 'kafkajs';
import mysql from 'mysql2/promise';
import Database from 'better-sqlite3';
import { openKnex, parseDatabaseUrl } from '../../src/sql/connection.js';
import { KAFKA_BROKERS } from './services.js';
import type { StreamMessage } from './stream.js';
import { sleep, waitFor } from './wait.js';

export function testKafka(clientId = 'sc-it'): Kafka {
  if (!KAFKA_BROKERS) throw new Error('KAFKA_BROKERS not set');
  return new Kafka({ clientId, brokers: KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 200 } });
}

export async function withAdmin<T>(fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = testKafka('sc-it-admin').admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect();
  }
}

export async function createTopics(topics: string[], partitions = 3): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })) });
  });
}

/** Delete the topics that exist (never fails: cleanup must not hide the test's own error). */
export async function deleteTopics(topics: string[]): Promise<void> {
  try {
    await withAdmin(async (admin) => {
      const existing = new Set(await admin.listTopics());
      const mine = topics.filter((t) => existing.has(t));
      if (mine.length > 0) await admin.deleteTopics({ topics: mine, timeout: 10_000 });
    });
  } catch (e) {
    console.warn(`could not delete topics ${topics.join(', ')}: ${String(e)}`);
  }
}

/**
 * Produce the stream in its sequence, each message to its precomputed partition; with `paceMs`,
 * pause that long between chunks (a stream that keeps arriving while the test acts).
 */
export async function produce(messages: readonly StreamMessage[], chunk = 2000, paceMs = 0): Promise<void> {
  const producer = testKafka('sc-it-producer').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += chunk) {
      const part = messages.slice(i, i + chunk);
      const byTopic = new Map<string, Array<{ key: string; value: Buffer | null; partition: number }>>();
      for (const m of part) {
        const list = byTopic.get(m.topic) ?? [];
        list.push({ key: m.key, value: m.value, partition: m.partition });
        byTopic.set(m.topic, list);
      }
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, msgs]) => ({ topic, messages: msgs })) });
      if (paceMs > 0 && i + chunk < messages.length) await sleep(paceMs);
    }
  } finally {
    await producer.disconnect();
  }
}

/** High watermark (next offset) of every partition of the topics: "topic/partition" → offset. */
export async function endOffsets(topics: string[]): Promise<Map<string, number>> {
  return withAdmin(async (admin) => {
    const out = new Map<string, number>();
    for (const topic of topics) {
      for (const p of await admin.fetchTopicOffsets(topic)) out.set(`${topic}/${p.partition}`, Number(p.high));
    }
    return out;
  });
}

/** The group's committed Kafka offsets ("topic/partition" → next offset; -1 when none). */
export async function committedOffsets(group: string, topics: string[]): Promise<Map<string, number>> {
  return withAdmin(async (admin) => {
    const out = new Map<string, number>();
    for (const t of await admin.fetchOffsets({ groupId: group, topics })) {
      for (const p of t.partitions) out.set(`${t.topic}/${p.partition}`, Number(p.offset));
    }
    return out;
  });
}

/**
 * Make Kafka forget the group's committed offsets (the group must have no members): its next
 * consumer starts from the beginning (the runtime subscribes fromBeginning). Deleting the group is
 * instant, where kafkajs' admin.resetOffsets joins the group with a consumer (~5 s a topic).
 */
export async function rewindGroup(group: string): Promise<void> {
  await withAdmin(async (admin) => {
    await admin.deleteGroups([group]);
  });
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Every message now in the topics (up to their current end), read with a throwaway group. */
export async function readTopics(topics: string[], timeoutMs = 30_000): Promise<ReadMessage[]> {
  const ends = await endOffsets(topics);
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const out: ReadMessage[] = [];
  if (total === 0) return out;
  const consumer = testKafka('sc-it-reader').consumer({ groupId: `sc-it-reader-${Date.now()}-${Math.random().toString(36).slice(2)}`, maxWaitTimeInMs: 100 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        out.push({ topic, partition, offset: Number(message.offset), key: message.key, value: message.value, headers: headersOf(message) });
      },
    });
    await waitFor(`${total} messages from ${topics.join(', ')}`, () => out.length >= total, { timeoutMs });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition || a.offset - b.offset);
}

function headersOf(m: KafkaMessage): Record<string, string> {
  const h: IHeaders = m.headers ?? {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) {
    if (v === undefined) continue;
    out[k] = (Array.isArray(v) ? v.map(String).join(',') : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
  }
  return out;
}

/** The runtime's stored positions of a group ("topic/partition" → next offset); empty if the tables do not exist yet. */
export async function dbPositions(databaseUrl: string, group: string): Promise<Map<string, number>> {
  const target = parseDatabaseUrl(databaseUrl);
  let rows: Array<Record<string, unknown>>;
  if (target.kind === 'mysql') {
    const c = await mysql.createConnection({ uri: databaseUrl, connectTimeout: 2000 });
    try {
      rows = (await c.query('SELECT `topic`, `partition`, `next_offset` FROM `sc_consumer_positions` WHERE `consumer_group` = ?', [group]))[0] as Array<Record<string, unknown>>;
    } catch (e) {
      if ((e as { errno?: number }).errno === 1146) return new Map(); // no such table yet
      throw e;
    } finally {
      await c.end().catch(() => undefined);
    }
  } else if (target.kind === 'postgres') {
    const k = openKnex(databaseUrl);
    try {
      rows = ((await k.raw('SELECT "topic", "partition", "next_offset" FROM "sc_consumer_positions" WHERE "consumer_group" = ?', [group])) as { rows: Array<Record<string, unknown>> }).rows;
    } catch (e) {
      if ((e as { code?: unknown }).code === '42P01') return new Map(); // no such table yet
      throw e;
    } finally {
      await k.destroy();
    }
  } else {
    const db = new Database(target.filename, { readonly: true });
    try {
      rows = db.prepare('SELECT "topic", "partition", "next_offset" FROM "sc_consumer_positions" WHERE "consumer_group" = ?').all(group) as Array<Record<string, unknown>>;
    } finally {
      db.close();
    }
  }
  return new Map(rows.map((r) => [`${String(r.topic)}/${String(r.partition)}`, Number(r.next_offset)]));
}

/** Fraction (0..1) of the messages whose effects are committed to the database. */
export async function progress(databaseUrl: string, group: string, ends: Map<string, number>): Promise<number> {
  const pos = await dbPositions(databaseUrl, group);
  let total = 0;
  let done = 0;
  for (const [k, end] of ends) {
    total += end;
    done += Math.min(end, pos.get(k) ?? 0);
  }
  return total === 0 ? 1 : done / total;
}

/**
 * Wait until the group's database positions reach the topics' ends: every message is then
 * applied, dead-lettered or skipped, and committed. Database errors while polling (an outage the
 * test made) count as "not yet".
 */
export async function waitDrained(databaseUrl: string, group: string, topics: string[], timeoutMs = 120_000, alive?: () => void): Promise<void> {
  const ends = await endOffsets(topics);
  await waitFor(`group ${group} to drain ${topics.join(', ')}`, async () => {
    alive?.();
    try {
      return (await progress(databaseUrl, group, ends)) >= 1;
    } catch {
      return false;
    }
  }, { timeoutMs, intervalMs: 250 });
}

/** Wait until the consumer group is Stable with exactly `members` members (a join or a takeover has finished). */
export async function waitGroupMembers(group: string, members: number, timeoutMs = 60_000): Promise<void> {
  await waitFor(`group ${group} to be Stable with ${members} member(s)`, () => withAdmin(async (admin) => {
    const { groups } = await admin.describeGroups([group]);
    const g = groups[0];
    return g !== undefined && g.state === 'Stable' && g.members.length === members;
  }), { timeoutMs, intervalMs: 300 });
}
