/**
 * The `<topic>.dlq` implementation without Kafka: a producer of our own records what is sent.
 * Letters go before the transaction, each message once however often a unit is retried or
 * split, and nothing is written in the transaction.
 */
import { describe, expect, it } from 'vitest';
import type { Tx } from '../../sinks/sink.js';
import { sinkParts } from '../../sinks/sink.js';
import type { RawMessage } from '../../apply/message.js';
import { kafkaDeadLetters, type Letter, type LetterProducer } from './topic.js';
import type { DeadLetter } from './sink.js';

const letter = (topic: string, offset: number): DeadLetter => ({
  msg: { topic, partition: 1, offset, key: Buffer.from('k'), value: Buffer.from('{}') }, group: 'g', projection: null, eventType: 'x.y', reason: 'bad',
});

function recordingProducer(): { producer: LetterProducer; sent: Array<{ topic: string; letter: Letter }> } {
  const sent: Array<{ topic: string; letter: Letter }> = [];
  return { sent, producer: { sendBatch: async (b) => { for (const t of b.topicMessages) for (const m of t.messages) sent.push({ topic: t.topic, letter: m }); } } };
}

describe('kafkaDeadLetters', () => {
  it('sends each letter to its source topic’s .dlq with the reason and the source in headers', async () => {
    const { producer, sent } = recordingProducer();
    await kafkaDeadLetters(producer).send([letter('a', 5), letter('b', 6)]);
    expect(sent.map((s) => s.topic)).toEqual(['a.dlq', 'b.dlq']);
    expect(sent[0]?.letter.headers).toMatchObject({ 'sc-reason': 'bad', 'sc-source-topic': 'a', 'sc-source-partition': '1', 'sc-source-offset': '5', 'sc-consumer-group': 'g', 'sc-event-type': 'x.y' });
    expect(sent[0]?.letter.value?.toString()).toBe('{}');
  });

  it('skips the messages an earlier attempt sent, and records the ones it sends', async () => {
    const { producer, sent } = recordingProducer();
    const dlq = kafkaDeadLetters(producer);
    const done = new Set<RawMessage>();
    const a = letter('a', 1);
    const b = letter('a', 2);
    await dlq.send([a], done);
    await dlq.send([a, b], done);
    expect(sent.map((s) => s.letter.headers['sc-source-offset'])).toEqual(['1', '2']);
    expect(done).toEqual(new Set([a.msg, b.msg]));
  });

  it('writes nothing in the transaction', async () => {
    const { producer } = recordingProducer();
    let statements = 0;
    const tx: Tx = { exec: async () => ++statements, query: async () => [] };
    await kafkaDeadLetters(producer).write(tx, { ...sinkParts('sqlite'), returning: true, transaction: (fn) => fn(tx, {}), close: async () => undefined }, [letter('a', 1)]);
    expect(statements).toBe(0);
  });
});
