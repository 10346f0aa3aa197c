/**
 * Where bad messages go: a Kafka topic `<topic>.dlq` (headers carry the reason and the source
 * topic/partition/offset; the value is the original bytes) or, for the embedded default, the
 * sc_dead_letters table, written in the batch's own transaction.
 */
import { createHash } from 'node:crypto';
import type { DeadLetterRow } from '../sql/engine-sql.js';
import { sqlNow } from '../sql/engine-sql.js';
import type { RawMessage } from './message.js';

export interface DeadLetter {
  msg: RawMessage;
  group: string;
  projection: string | null;
  eventType: string | null;
  reason: string;
}

export interface DeadLetterSink {
  /** 'table': written inside the batch transaction; 'external': sent before the batch commits. */
  mode: 'table' | 'external';
  send(letters: DeadLetter[]): Promise<void>;
}

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

export function deadLetterHeaders(d: DeadLetter): Record<string, string> {
  const h: Record<string, string> = {
    'sc-reason': d.reason,
    'sc-source-topic': d.msg.topic,
    'sc-source-partition': String(d.msg.partition),
    'sc-source-offset': String(d.msg.offset),
    'sc-consumer-group': d.group,
  };
  if (d.projection !== null) h['sc-projection'] = d.projection;
  if (d.eventType !== null) h['sc-event-type'] = d.eventType;
  return h;
}

export function deadLetterRow(d: DeadLetter): DeadLetterRow {
  const id = createHash('sha256').update(`${d.group}:${d.msg.topic}:${d.msg.partition}:${d.msg.offset}:${d.projection ?? ''}`).digest('hex').slice(0, 64);
  return {
    id, topic: d.msg.topic, partition: d.msg.partition, offset: d.msg.offset, group: d.group,
    projection: d.projection, reason: d.eventType ? `${d.eventType}: ${d.reason}` : d.reason,
    key: d.msg.key === null ? null : d.msg.key.toString('base64'),
    value: d.msg.value === null ? null : d.msg.value.toString('base64'),
    at: sqlNow(),
  };
}
