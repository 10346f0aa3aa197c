/**
 * Issue 22: a dead letter in `<topic>.dlq` keeps the record's own headers (a repeated name as a
 * list, in sequence) beside the sc-* ones, and a replay reads them back as the message's headers.
 */
import { describe, expect, it } from 'vitest';
import { letterMessage } from '../../dead-letters/letter.js';
import { topicLetter } from '../../dead-letters/topic-letters.js';
import { kafkaDeadLetters, type Letter } from './topic.js';

describe('issue 22: headers on topic dead letters', () => {
  it('sends the original headers with ours (ours win a clash), and a replay gets them back', async () => {
    const sent: Letter[] = [];
    const producer = { sendBatch: async (b: { topicMessages: Array<{ messages: Letter[] }> }) => { for (const t of b.topicMessages) sent.push(...t.messages); } };
    const headers: Array<[string, Buffer]> = [['trace', Buffer.from('t1')], ['hop', Buffer.from('a')], ['sc-reason', Buffer.from('spoofed')], ['hop', Buffer.from([0xff])]];
    await kafkaDeadLetters(producer).send([{ msg: { topic: 'a', partition: 0, offset: 3, key: null, value: Buffer.from('x'), headers }, group: 'g', projection: null, eventType: null, reason: 'bad' }]);
    const h = sent[0]?.headers ?? {};
    expect(h).toMatchObject({ trace: Buffer.from('t1'), hop: [Buffer.from('a'), Buffer.from([0xff])], 'sc-reason': 'bad', 'sc-source-offset': '3' });

    // As kafkajs fetches it back: every value a Buffer, a repeated name a list.
    const fetched = Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.map((x) => Buffer.from(x)) : Buffer.from(v)]));
    const letter = topicLetter('a.dlq', 0, { offset: '0', timestamp: '0', key: null, value: Buffer.from('x'), headers: fetched });
    expect(letterMessage(letter).headers).toEqual([['trace', Buffer.from('t1')], ['hop', Buffer.from('a')], ['hop', Buffer.from([0xff])]]);
    expect(letterMessage({ ...letter, original: undefined }).headers).toBeUndefined();
  });
});
