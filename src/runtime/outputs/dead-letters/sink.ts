/**
 * Where bad messages go, as one interface with two implementations: a Kafka topic `<topic>.dlq`
 * (topic.ts: headers carry the reason and the source topic/partition/offset; the value is the
 * original bytes) or the sc_dead_letters table (table.ts: written in the batch's own transaction).
 * Callers do both steps, one after the other, and never ask which one they hold: `send` before the
 * transaction that moves past the letters' messages, `write` inside it; each implementation does
 * its work in one of the two and nothing in the other.
 */
import type { RawMessage } from '../../apply/message.js';
import type { Sink, Tx } from '../../sinks/sink.js';

export interface DeadLetter {
  msg: RawMessage;
  group: string;
  projection: string | null;
  eventType: string | null;
  reason: string;
}

export interface DeadLetterSink {
  /**
   * Out of band, before the transaction commits (the topic): a crash in between sends them again,
   * so dead letters are at least once there. `sent`, when given, holds the messages an earlier
   * attempt of the same unit already sent: they are skipped, and the ones sent now are added.
   */
  send(letters: DeadLetter[], sent?: Set<RawMessage>): Promise<void>;
  /** Inside the transaction (the table): the letters commit, or roll back, with the batch. */
  write(tx: Tx, sink: Sink, letters: DeadLetter[]): Promise<void>;
}

/**
 * Bytes a header value of a letter may take. The values echo the input (an event type, a reason
 * quoting it): one of 1 MB made every letter of its message too large to produce, the batch's
 * commit failed and the group stopped on it at every restart.
 */
export const HEADER_MAX_BYTES = 1024;

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
