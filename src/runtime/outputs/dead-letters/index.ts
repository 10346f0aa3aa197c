/**
 * Where bad messages go: a Kafka topic `<topic>.dlq` (headers carry the reason and the source
 * topic/partition/offset; the value is the original bytes) or, for the embedded default, the
 * sc_dead_letters table, written in the batch's own transaction.
 */
import { createHash } from 'node:crypto';
import type { DeadLetterRow } from '../../../sql/engine-sql.js';
import { sqlNow } from '../../../sql/engine-sql.js';
import type { RawMessage } from '../../apply/message.js';

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

/**
 * Dead letters as rows of sc_dead_letters only: the processor writes them in the batch's own
 * transaction, so there is nothing to send. Runs without a Kafka producer (a file run, a
 * rebuild's shadow, `sc-project test`) and the tests that build a processor use it.
 */
export const TABLE_DEAD_LETTERS: DeadLetterSink = Object.freeze({ mode: 'table', send: async () => undefined });

export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/**
 * Bytes a header value of a letter may take. The values echo the input (an event type, a reason
 * quoting it): one of 1 MB made every letter of its message too large to produce, the batch's
 * commit failed and the group stopped on it at every restart.
 */
export const HEADER_MAX_BYTES = 1024;
/** Bytes the reason of a sc_dead_letters row may take (a TEXT column holds 65,535). */
export const ROW_REASON_MAX_BYTES = 16_384;

/** The text cut to at most `maxBytes` UTF-8 bytes, never inside a character, ending in a marker that gives the original size. */
export function cutText(s: string, maxBytes: number): string {
  // A UTF-16 unit takes at most 3 UTF-8 bytes: short texts skip the byte count.
  if (s.length * 3 <= maxBytes) return s;
  const buf = Buffer.from(s, 'utf8');
  if (buf.length <= maxBytes) return s;
  const marker = (kept: number) => `… [cut: kept ${kept} of ${buf.length} bytes]`;
  let end = Math.max(0, maxBytes - Buffer.byteLength(marker(maxBytes)));
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end--;
  return `${buf.subarray(0, end).toString('utf8')}${marker(end)}`;
}

export function deadLetterHeaders(d: DeadLetter): Record<string, string> {
  const h: Record<string, string> = {
    'sc-reason': cutText(d.reason, HEADER_MAX_BYTES),
    'sc-source-topic': d.msg.topic,
    'sc-source-partition': String(d.msg.partition),
    'sc-source-offset': String(d.msg.offset),
    'sc-consumer-group': d.group,
  };
  if (d.projection !== null) h['sc-projection'] = d.projection;
  if (d.eventType !== null) h['sc-event-type'] = cutText(d.eventType, HEADER_MAX_BYTES);
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
  let reason = cutText(d.eventType ? `${cutText(d.eventType, HEADER_MAX_BYTES)}: ${d.reason}` : d.reason, ROW_REASON_MAX_BYTES);
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
