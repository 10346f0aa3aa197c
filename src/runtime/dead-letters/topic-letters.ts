/**
 * Letters kept in `<topic>.dlq` topics, read by a throwaway consumer: a group of its own, no
 * offsets committed (`autoCommit: false`) and the group deleted at the end, so reading never moves
 * anything a running engine or another reader relies on. It reads each partition from its start
 * to the end offset it had when the read began, one fetched batch at a time (each batch goes to
 * `onChunk` before the next is taken), so memory holds one batch whatever the topic's size.
 */
import { randomBytes } from 'node:crypto';
import type { kafkaClient } from '../sources/kafka/client.js';
import type { StoredLetter } from './letter.js';

export type KafkaClient = ReturnType<typeof kafkaClient>;

/** A topic letter's id: where it is in its `.dlq` topic. */
export function topicLetterId(dlqTopic: string, partition: number, offset: number): string {
  return `${dlqTopic}:${partition}:${offset}`;
}

/** The parts of a topic letter's id, or undefined when `id` is not one (a table's dlq_id). */
export function parseTopicLetterId(id: string): { topic: string; partition: number; offset: number } | undefined {
  const m = /^([A-Za-z0-9._-]+):(\d+):(\d+)$/u.exec(id);
  return m === null ? undefined : { topic: m[1] as string, partition: Number(m[2]), offset: Number(m[3]) };
}

type HeaderValue = Buffer | string | Array<Buffer | string> | undefined;

/** A `.dlq` message as a letter: its source and reason come from the sc-* headers topic.ts wrote. */
export function topicLetter(dlqTopic: string, partition: number, m: { offset: string; timestamp: string; key: Buffer | null; value: Buffer | null; headers?: Record<string, HeaderValue> }): StoredLetter {
  const headers: Record<string, string> = {};
  // The record's own headers (topic.ts wrote them before the sc-* ones), for a replay's `$headers`.
  const original: Array<readonly [string, Buffer]> = [];
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    const one = Array.isArray(v) ? v[0] : v;
    if (one !== undefined) headers[k] = one.toString();
    if (k.startsWith('sc-') || v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) original.push([k, Buffer.from(x)]);
  }
  const num = (k: string, fallback: number): number => (headers[k] !== undefined && /^\d+$/u.test(headers[k] ?? '') ? Number(headers[k]) : fallback);
  const offset = Number(m.offset);
  return {
    id: topicLetterId(dlqTopic, partition, offset),
    store: 'topic',
    topic: headers['sc-source-topic'] ?? dlqTopic.replace(/\.dlq$/u, ''),
    partition: num('sc-source-partition', -1),
    offset: num('sc-source-offset', -1),
    group: headers['sc-consumer-group'] ?? '',
    projection: headers['sc-projection'] ?? null,
    eventType: headers['sc-event-type'] ?? null,
    reason: headers['sc-reason'] ?? '',
    attempts: 1,
    at: new Date(Number(m.timestamp)).toISOString(),
    // Copies: the fetched batch's buffer is released once the batch is done.
    key: m.key === null ? null : Buffer.from(m.key),
    value: m.value === null ? null : Buffer.from(m.value),
    headers,
    ...(original.length > 0 ? { original } : {}),
  };
}

export interface TopicReadOptions {
  /** Only this letter: its partition is read from its offset (show). */
  only?: { partition: number; offset: number };
  signal?: AbortSignal;
}

/**
 * Read every letter of the `.dlq` topics that exist (missing ones have none) through `onChunk`,
 * a fetched batch at a time, each partition by offset; ends at the end offsets of the start.
 */
export async function readTopicLetters(kafka: KafkaClient, dlqTopics: string[], onChunk: (letters: StoredLetter[]) => Promise<void>, o: TopicReadOptions = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `sc-project-dead-letters-${randomBytes(6).toString('hex')}`;
  // Per `topic/partition`: the offset at which the read of that partition is done.
  const ends = new Map<string, number>();
  let topics: string[];
  try {
    const existing = new Set(await admin.listTopics());
    topics = [...new Set(dlqTopics)].filter((t) => existing.has(t));
    for (const t of topics) {
      for (const p of await admin.fetchTopicOffsets(t)) {
        if (o.only !== undefined && p.partition !== o.only.partition) continue;
        const end = o.only !== undefined ? Math.min(Number(p.high), o.only.offset + 1) : Number(p.high);
        if (end > Number(p.low) && (o.only === undefined || o.only.offset >= Number(p.low))) ends.set(`${t}/${p.partition}`, end);
      }
    }
  } catch (e) {
    await admin.disconnect();
    throw e;
  }
  if (ends.size === 0) return void (await admin.disconnect());
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set([...ends.keys()].map((k) => k.slice(0, k.lastIndexOf('/'))))], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const left = new Set(ends.keys());
      const finish = () => { if (left.size === 0) resolve(); };
      o.signal?.addEventListener('abort', () => resolve(), { once: true });
      consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          const k = `${batch.topic}/${batch.partition}`;
          const end = ends.get(k);
          if (end === undefined || !left.has(k) || o.signal?.aborted === true) return;
          const from = o.only?.offset ?? 0;
          const letters = batch.messages.filter((m) => Number(m.offset) < end && Number(m.offset) >= from).map((m) => topicLetter(batch.topic, batch.partition, m));
          try {
            if (letters.length > 0) await onChunk(letters);
          } catch (e) {
            // Ends the read with the caller's error (kafkajs would restart the consumer and read the batch again).
            left.clear();
            reject(e);
            throw e;
          }
          if (Number(batch.lastOffset()) + 1 >= end) {
            left.delete(k);
            finish();
          }
        },
      }).catch(reject);
      if (o.only !== undefined) {
        const [t] = [...ends.keys()];
        if (t !== undefined) consumer.seek({ topic: t.slice(0, t.lastIndexOf('/')), partition: o.only.partition, offset: String(o.only.offset) });
      }
    });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    // The throwaway group leaves nothing behind (an empty group would be listed until it expires).
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}
