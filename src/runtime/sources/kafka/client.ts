/**
 * The Kafka client: connection and logging, and topic checks. Consuming is consumer.ts; the
 * dead-letter topic's producer side is outputs/dead-letters/topic.ts (re-exported here).
 */
import kafkajs, { Kafka, logLevel, type Admin } from 'kafkajs';

// kafkajs is CommonJS and Node's ESM loader does not see ConfigResourceTypes as a named export
// (the built CLI failed at import; vitest's transform hid it): read it from the module object.
const { ConfigResourceTypes } = kafkajs;
import { dlqTopic } from '../../outputs/dead-letters/index.js';
import { kafkaLogCreator } from './kafka-log.js';
import { kafkajsSasl } from './security/oauth-authenticator.js';
import type { Logger } from '../../ops/log.js';
import type { KafkaSecurity } from './security/options.js';

export { DEFAULT_MAX_MESSAGE_BYTES, fitLetter, kafkaDeadLetters } from '../../outputs/dead-letters/topic.js';

export interface KafkaOptions {
  brokers: string[];
  clientId: string;
  log: Logger;
  /** TLS and SASL (security/options.ts): every client of the process gets the same. */
  security?: KafkaSecurity;
  /** The start-up check (security/probe.ts) tries once; everything else retries. */
  retries?: number;
}

export function kafkaClient(o: KafkaOptions): Kafka {
  return new Kafka({
    clientId: o.clientId,
    brokers: o.brokers,
    logLevel: logLevel.WARN,
    retry: { initialRetryTime: 300, retries: o.retries ?? 10 },
    logCreator: kafkaLogCreator(o.log),
    ...(o.security?.ssl !== undefined ? { ssl: o.security.ssl } : {}),
    ...(o.security?.sasl !== undefined ? { sasl: kafkajsSasl(o.security.sasl) } : {}),
  });
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
