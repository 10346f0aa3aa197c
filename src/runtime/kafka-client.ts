/**
 * The Kafka client: connection and logging, the dead-letter producer, and topic checks.
 * Consuming is group-consumer.ts.
 */
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { deadLetterHeaders, dlqTopic, type DeadLetterSink } from './dead-letters.js';
import type { Logger } from './log.js';

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
    logCreator: () => ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      const fields = { namespace, ...extra } as Record<string, unknown>;
      // kafkajs logs every error response at ERROR, but "rebalancing" is routine (a member
      // joined or left); the consumer rejoins on its own.
      if (/group is rebalancing/.test(String((extra as { error?: unknown }).error ?? ''))) o.log.info(`kafka: ${String(message)}`, fields);
      else if (level <= logLevel.ERROR) o.log.error(`kafka: ${String(message)}`, fields);
      else o.log.warn(`kafka: ${String(message)}`, fields);
    },
  });
}

/** Dead letters to `<topic>.dlq`: the original key and bytes, the reason and source in headers. */
export function kafkaDeadLetters(producer: Producer): DeadLetterSink {
  return {
    mode: 'external',
    async send(letters) {
      const byTopic = new Map<string, typeof letters>();
      for (const d of letters) byTopic.set(dlqTopic(d.msg.topic), [...(byTopic.get(dlqTopic(d.msg.topic)) ?? []), d]);
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, ds]) => ({
          topic,
          messages: ds.map((d) => ({ key: d.msg.key, value: d.msg.value, headers: deadLetterHeaders(d) })),
        })),
      });
    },
  };
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
