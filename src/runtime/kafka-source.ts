/**
 * The Kafka side: one kafkajs consumer per consumer group, eachBatch with auto-resolve and
 * auto-commit off. A batch is committed to the database first (effects, processed ids and
 * positions in one transaction) and only then to Kafka, so Kafka's committed offset is never ahead
 * of the database. After a crash between the two, the stored position is ahead: on assignment we
 * seek there, and the processor skips offsets below it anyway.
 */
import { Kafka, logLevel, type Consumer, type EachBatchPayload, type Producer } from 'kafkajs';
import type { RawMessage } from './message.js';
import { StoppedError, type GroupProcessor } from './processor.js';
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
      if (level <= logLevel.ERROR) o.log.error(`kafka: ${String(message)}`, fields);
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

export interface GroupConsumerHandle {
  consumer: Consumer;
  lag: Map<string, number>;
}

export async function startGroupConsumer(kafka: Kafka, group: string, topics: string[], processor: GroupProcessor, log: Logger, onFatal: (e: unknown) => void): Promise<GroupConsumerHandle> {
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxBytesPerPartition: 2 * 1024 * 1024, maxWaitTimeInMs: 200, retry: { retries: 10 } });
  const lag = new Map<string, number>();
  await consumer.connect();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    processor.resetPositions();
    void seekToStored(kafka, consumer, group, payload.memberAssignment, processor, log).catch((e: unknown) => log.warn('could not seek to stored positions', { group, error: String(e) }));
  });
  await consumer.subscribe({ topics, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: 1,
    eachBatch: async (p: EachBatchPayload) => {
      const { batch } = p;
      if (batch.messages.length === 0) return;
      const messages: RawMessage[] = batch.messages.map((m) => ({
        topic: batch.topic, partition: batch.partition, offset: Number(m.offset), key: m.key, value: m.value, timestamp: Number(m.timestamp),
      }));
      try {
        await processor.process(messages, { heartbeat: p.heartbeat, stopping: () => !p.isRunning() || p.isStale() });
      } catch (e) {
        // Transient errors are retried inside; anything else that escapes must stop the runtime.
        if (!(e instanceof StoppedError)) onFatal(e);
        throw e;
      }
      const last = messages[messages.length - 1] as RawMessage;
      p.resolveOffset(String(last.offset));
      // Kafka's offset names the next message to read, hence + 1.
      await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(last.offset + 1) }]);
      lag.set(`${batch.topic}/${batch.partition}`, Math.max(0, Number(batch.highWatermark) - (last.offset + 1)));
    },
  });
  return { consumer, lag };
}

async function seekToStored(kafka: Kafka, consumer: Consumer, group: string, assignment: Record<string, number[]>, processor: GroupProcessor, log: Logger): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const topics = Object.keys(assignment);
    const committed = await admin.fetchOffsets({ groupId: group, topics });
    for (const t of committed) {
      for (const part of t.partitions) {
        if (!(assignment[t.topic] ?? []).includes(part.partition)) continue;
        const stored = await processor.positionOf(t.topic, part.partition);
        const kafkaNext = Number(part.offset);
        if (stored !== undefined && stored > kafkaNext) {
          log.info('database position ahead of Kafka: seeking', { group, topic: t.topic, partition: part.partition, kafka: kafkaNext, database: stored });
          consumer.seek({ topic: t.topic, partition: part.partition, offset: String(stored) });
          await consumer.commitOffsets([{ topic: t.topic, partition: part.partition, offset: String(stored) }]);
        }
      }
    }
  } finally {
    await admin.disconnect();
  }
}
