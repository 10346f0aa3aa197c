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

/**
 * The sc_dead_letters row of a letter. With `maxValueBytes` (the database's statement limit) a
 * value too large for one statement is cut to its first bytes, and the reason says so.
 */
export function deadLetterRow(d: DeadLetter): DeadLetterRow {
  return fittedDeadLetterRow(d, undefined);
}

/** deadLetterRow with the value cut to fit `maxValueBytes` (base64 included) when it would not. */
export function fittedDeadLetterRow(d: DeadLetter, maxValueBytes: number | undefined): DeadLetterRow {
  const id = createHash('sha256').update(`${d.group}:${d.msg.topic}:${d.msg.partition}:${d.msg.offset}:${d.projection ?? ''}`).digest('hex').slice(0, 64);
  let value = d.msg.value;
  let reason = d.eventType ? `${d.eventType}: ${d.reason}` : d.reason;
  // base64 takes 4 bytes for every 3.
  const keep = maxValueBytes === undefined ? undefined : Math.floor((maxValueBytes * 3) / 4);
  if (value !== null && keep !== undefined && value.length > keep) {
    reason += ` [value cut: kept the first ${keep} of ${value.length} bytes, more than the database accepts in one statement]`;
    value = value.subarray(0, keep);
  }
  return {
    id, topic: d.msg.topic, partition: d.msg.partition, offset: d.msg.offset, group: d.group,
    projection: d.projection, reason,
    key: d.msg.key === null ? null : d.msg.key.subarray(0, 1024).toString('base64'),
    value: value === null ? null : value.toString('base64'),
    at: sqlNow(),
  };
}

/** Rough bytes of a dead-letter row in a statement, to keep INSERTs under the database's limit. */
export function deadLetterRowBytes(r: DeadLetterRow): number {
  return 512 + (r.value?.length ?? 0) + (r.key?.length ?? 0) + r.reason.length * 6 + (r.projection?.length ?? 0) + r.topic.length + r.group.length;
}
