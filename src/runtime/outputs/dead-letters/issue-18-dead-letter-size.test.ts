/**
 * Issue 18 item 1: a dead letter never stops the group on its size. Header values are bounded
 * (an event type of 1 MB is cut with a marker) and a letter the broker still refuses as too large
 * is cut until it is taken.
 */
import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { cutText, deadLetterHeaders, HEADER_MAX_BYTES, type DeadLetter } from './index.js';
import { kafkaDeadLetters } from '../../sources/kafka/client.js';

const letter = (eventType: string, value: Buffer): DeadLetter => ({
  msg: { topic: 't', partition: 0, offset: 7, key: Buffer.from('k'), value },
  group: 'g', projection: null, eventType, reason: `no projection handles event type ${eventType}`,
});

/** A producer that refuses any record over `maxBytes` the way kafkajs reports it (a wrapped protocol error). */
function refusingProducer(maxBytes: number) {
  const sent: Array<{ key: Buffer | null; value: Buffer | null; headers: Record<string, string> }> = [];
  const producer = {
    async sendBatch(b: { topicMessages: Array<{ messages: Array<{ key: Buffer | null; value: Buffer | null; headers: Record<string, string> }> }> }) {
      const messages = b.topicMessages.flatMap((t) => t.messages);
      for (const m of messages) {
        const size = (m.key?.length ?? 0) + (m.value?.length ?? 0) + Object.entries(m.headers).reduce((n, [k, v]) => n + k.length + Buffer.byteLength(v), 0);
        if (size > maxBytes) {
          const cause = Object.assign(new Error('The request included a message larger than the max message size the server will accept'), { type: 'MESSAGE_TOO_LARGE', retriable: false });
          throw Object.assign(new Error(cause.message), { name: 'KafkaJSNonRetriableError', cause });
        }
      }
      sent.push(...messages);
      return [];
    },
  };
  return { producer: producer as unknown as Producer, sent };
}

describe('dead letters of any size are produced (issue 18.1)', () => {
  it('bounds every header value, cutting with a marker that gives the original size', () => {
    const type = `t${'é'.repeat(600_000)}`;
    const h = deadLetterHeaders(letter(type, Buffer.from('{}')));
    for (const [k, v] of Object.entries(h)) expect(Buffer.byteLength(String(v)), k).toBeLessThanOrEqual(HEADER_MAX_BYTES);
    expect(h['sc-event-type']).toMatch(/^té+… \[cut: kept \d+ of 1200001 bytes\]$/);
    expect(h['sc-reason']).toMatch(/^no projection handles event type té+… \[cut: kept \d+ of 1200034 bytes\]$/);
    expect(cutText('short', HEADER_MAX_BYTES)).toBe('short');
  });

  it('cuts a letter the broker refuses as too large until it is taken, and says so', async () => {
    const { producer, sent } = refusingProducer(50_000);
    const value = Buffer.alloc(900_000, 'v');
    // The topic's limit says 1 MB fits; this broker takes 50 KB.
    await kafkaDeadLetters(producer, new Map([['t.dlq', 1_048_588]])).send([letter('x.y', value), letter('x.z', Buffer.from('{}'))]);
    expect(sent).toHaveLength(2);
    const big = sent.find((m) => m.headers['sc-event-type'] === 'x.y');
    expect(big?.headers['sc-original-value-bytes']).toBe('900000');
    expect(big?.headers['sc-value-cut']).toMatch(/^kept the first \d+ of 900000 value bytes: the broker refused the letter as too large; cut to \d+ bytes$/);
    expect(big?.value?.length ?? 0).toBeLessThan(50_000);
    expect(sent.find((m) => m.headers['sc-event-type'] === 'x.z')?.value?.toString()).toBe('{}');
  });
});
