/**
 * The Kafka client: connection and logging, the dead-letter producer, and topic checks.
 * Consuming is consumer.ts.
 */
import kafkajs, { Kafka, logLevel, type Admin, type Producer } from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader does not see ConfigResourceTypes as a named export
// (the built CLI failed at import; vitest's transform hid it): read it from the module object.
const { ConfigResourceTypes } = kafkajs;
import { chunksBy } from '../../../sql/fold.js';
import { deadLetterHeaders, dlqTopic, type DeadLetterSink } from '../../outputs/dead-letters/index.js';
import { kafkaLogCreator } from './kafka-log.js';
import type { Logger } from '../../ops/log.js';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  log: Logger;
}

export function kafkaClient(o: KafkaOptions): Kafka {
  return new Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, retries: 10 },
    logCreator: kafkaLogCreator(o.log),
  });
}

/** The broker's default max.message.bytes (Kafka 3.x: 1 MiB plus the record batch overhead). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;
/** Room kept in a record batch for the record and batch headers around a letter's key and value. */
const LETTER_OVERHEAD = 4096;

/**
 * Dead letters to `<topic>.dlq`: the original key and bytes, the reason and source in headers.
 * `limits` holds each DLQ topic's max.message.bytes. Header values are bounded (deadLetterHeaders);
 * a letter that would not fit is cut (its value first, then its key) and says so in `sc-value-cut`
 * / `sc-original-value-bytes`, so a send never fails on size and the group never stops on it;
 * letters are sent in record batches that fit too.
 */
export function kafkaDeadLetters(producer: Producer, limits: ReadonlyMap<string, number> = new Map()): DeadLetterSink {
  return {
    mode: 'external',
    async send(letters) {
      const byTopic = new Map<string, Letter[]>();
      for (const d of letters) {
        const topic = dlqTopic(d.msg.topic);
        const list = byTopic.get(topic) ?? [];
        list.push({ key: d.msg.key, value: d.msg.value, headers: deadLetterHeaders(d) });
        byTopic.set(topic, list);
      }
      for (const [topic, originals] of byTopic) {
        const limit = limits.get(topic) ?? DEFAULT_MAX_MESSAGE_BYTES;
        const fitted = originals.map((o) => ({ original: o, letter: fitLetter(o.key, o.value, o.headers, limit) }));
        for (const part of chunksBy(fitted, (f) => letterBytes(f.letter), limit - LETTER_OVERHEAD)) await sendFitting(producer, topic, part, limit);
      }
    },
  };
}

interface Letter {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

/** Below this a letter keeps only its (bounded) headers: cutting further cannot help. */
const MIN_LETTER_LIMIT = 16_384;

/**
 * Send letters; one the broker still refuses as too large (a limit below the topic's, or our
 * estimate of the record's overhead short) is cut to half the size, again until it is taken:
 * a dead letter must never stop the group.
 */
async function sendFitting(producer: Producer, topic: string, part: Array<{ original: Letter; letter: Letter }>, limit: number): Promise<void> {
  try {
    await producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: part.map((p) => p.letter) }] });
  } catch (e) {
    if (!isTooLarge(e)) throw e;
    if (part.length > 1) {
      for (const p of part) await sendFitting(producer, topic, [p], limit);
      return;
    }
    const one = part[0];
    if (one === undefined || limit <= MIN_LETTER_LIMIT) throw e;
    const smaller = Math.max(MIN_LETTER_LIMIT, Math.floor(Math.min(limit, letterBytes(one.letter)) / 2));
    const { key, value, headers } = one.original;
    await sendFitting(producer, topic, [{ original: one.original, letter: fitLetter(key, value, headers, smaller, `the broker refused the letter as too large; cut to ${smaller} bytes`) }], smaller);
  }
}

/** kafkajs' "larger than the max message size" refusals, also when wrapped by its retrier. */
function isTooLarge(e: unknown): boolean {
  for (let x = e, depth = 0; x !== null && typeof x === 'object' && depth < 5; x = (x as { cause?: unknown; originalError?: unknown }).cause ?? (x as { originalError?: unknown }).originalError, depth++) {
    const type = (x as { type?: unknown }).type;
    if (type === 'MESSAGE_TOO_LARGE' || type === 'RECORD_LIST_TOO_LARGE') return true;
  }
  return false;
}

function letterBytes(m: Letter): number {
  let n = (m.key?.length ?? 0) + (m.value?.length ?? 0) + 64;
  for (const [k, v] of Object.entries(m.headers)) n += Buffer.byteLength(k) + Buffer.byteLength(v) + 8;
  return n;
}

/** The letter as sent: cut to fit `limit` bytes when it would not, with the cut stated in headers. */
export function fitLetter(key: Buffer | null, value: Buffer | null, headers: Record<string, string>, limit: number, why = `the letter is larger than the dead-letter topic's max.message.bytes (${limit})`): Letter {
  const letter = { key, value, headers };
  const room = limit - LETTER_OVERHEAD;
  if (letterBytes(letter) <= room) return letter;
  const h = { ...headers };
  h['sc-original-value-bytes'] = String(value?.length ?? 0);
  if (key !== null) h['sc-original-key-bytes'] = String(key.length);
  h['sc-value-cut'] = 'true';
  const fixed = letterBytes({ key: null, value: null, headers: h }) + 64;
  const keyKept = key === null ? null : key.subarray(0, Math.max(0, Math.min(key.length, Math.floor((room - fixed) / 4))));
  const valueKept = value === null ? null : value.subarray(0, Math.max(0, room - fixed - (keyKept?.length ?? 0)));
  h['sc-value-cut'] = `kept the first ${valueKept?.length ?? 0} of ${value?.length ?? 0} value bytes${keyKept !== null && keyKept.length < (key?.length ?? 0) ? ` and ${keyKept.length} of ${key?.length ?? 0} key bytes` : ''}: ${why}`;
  return { key: keyKept, value: valueKept, headers: h };
}

/**
 * Create the missing `<topic>.dlq` topics so that they accept what their source topics accept
 * (a dead letter carries its message's bytes): max.message.bytes is copied from the source topic.
 * Returns the created topics and every DLQ topic's max.message.bytes, to cut letters that still
 * would not fit (an existing DLQ topic with a smaller limit).
 */
export async function ensureDeadLetterTopics(kafka: Kafka, sources: string[], partitions = 3): Promise<{ created: string[]; limits: Map<string, number> }> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const unique = [...new Set(sources)];
    const existing = new Set(await admin.listTopics());
    const sourceLimits = await maxMessageBytes(admin, unique.filter((t) => existing.has(t)));
    const missing = unique.filter((t) => !existing.has(dlqTopic(t)));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => {
          const limit = sourceLimits.get(t);
          return { topic: dlqTopic(t), numPartitions: partitions, replicationFactor: -1, ...(limit !== undefined ? { configEntries: [{ name: 'max.message.bytes', value: String(limit) }] } : {}) };
        }),
      });
    }
    const limits = await maxMessageBytes(admin, unique.map(dlqTopic));
    return { created: missing.map(dlqTopic), limits };
  } finally {
    await admin.disconnect();
  }
}

async function maxMessageBytes(admin: Admin, topics: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (topics.length === 0) return out;
  const r = await admin.describeConfigs({ includeSynonyms: false, resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })) });
  for (const res of r.resources) {
    const entry = res.configEntries.find((c) => c.configName === 'max.message.bytes');
    const n = Number(entry?.configValue);
    if (Number.isFinite(n) && n > 0) out.set(res.resourceName, n);
  }
  return out;
}

/** Create missing topics (DLQ topics always; source topics when asked). */
export async function ensureTopics(kafka: Kafka, topics: string[], partitions = 3): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...new Set(topics)].filter((t) => !existing.has(t));
    if (missing.length > 0) {
      await admin.createTopics({ waitForLeaders: true, topics: missing.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: -1 })) });
    }
    return missing;
  } finally {
    await admin.disconnect();
  }
}

export async function missingTopics(kafka: Kafka, topics: string[]): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    return topics.filter((t) => !existing.has(t));
  } finally {
    await admin.disconnect();
  }
}
