/**
 * Issue 18 item 1, on real Kafka: an event whose type is about 1 MB, under `unhandled: dlq`. Its
 * dead letter used to carry the whole type in `sc-event-type`, so producing it failed ("larger
 * than the max message size"), the batch's commit failed and the group stopped, again on every
 * restart. Every header of a letter is bounded now and a letter is cut until it fits: the letter
 * arrives, the events after it apply, and the group keeps running. The engine's side (the
 * letter, the unit's commit) runs on every server database; the cut to a smaller topic limit is
 * Kafka's side alone, so it runs on the first.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, deleteTopics, readTopics, testKafka, waitDrained, withAdmin } from '../helpers/kafka.js';
import { startInProcess } from '../helpers/runner.js';
import { eachServer, queryDb, uniqueName, type ServerDatabase } from '../helpers/services.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');
const dir = mkdtempSync(join(tmpdir(), 'sc-huge-type-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HUGE_TYPE = `t${'x'.repeat(1_047_799)}`;
const event = (type: string, id: string) => Buffer.from(JSON.stringify({ event_type: type, event_id: id, entity_id: id, data: {} }));

describe.skipIf(skip)('a dead letter of an event with a huge type (issue 18.1)', () => {
  /** Run the three events through the engine; `dlqLimit`: the DLQ topic exists with this max.message.bytes. */
  async function runCase(server: ServerDatabase, dlqLimit: number | undefined) {
    const topic = uniqueName('huge-type');
    const group = uniqueName('huge-type-g');
    const db = await server.fresh('sc_huge');
    try {
      const specDir = join(dir, group);
      mkdirSync(specDir, { recursive: true });
      writeFileSync(join(specDir, 'huge.yaml'), `projection: huge-type
group: ${group}
topics: [${topic}]
unhandled: dlq
tables:
  seen: { key: [id], columns: { id: { type: string, length: 64 } } }
on:
  thing.seen: [ { insert: seen, set: { id: $.entity_id } } ]
`);
      await createTopics([topic], 1);
      if (dlqLimit !== undefined) {
        await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic: `${topic}.dlq`, numPartitions: 1, replicationFactor: 1, configEntries: [{ name: 'max.message.bytes', value: String(dlqLimit) }] }] }));
      }
      // The source message just fits the topic's default limit (1,048,588 bytes with the batch);
      // its letter carries the type in a header and the reason, so whole it would not.
      const producer = testKafka('sc-it-huge').producer({ allowAutoTopicCreation: false });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [
        { key: 'a', value: event('thing.seen', 'a') },
        { key: 'h', value: event(HUGE_TYPE, 'h') },
        { key: 'b', value: event('thing.seen', 'b') },
      ] });
      await producer.disconnect();

      const { rt, lines } = await startInProcess({ config: specDir, databaseUrl: db.url, createTopics: false });
      try {
        await waitDrained(db.url, group, [topic], 60_000);
      } finally {
        await rt.stop();
      }
      const summary = await rt.done;
      const errors = lines.filter((l) => l.level === 'error').map((l) => `${l.msg} ${String(l.error ?? '').slice(0, 300)}`);
      expect(summary.groups[group], errors.join('\n')).toMatchObject({ applied: 2, deadLettered: 1 });
      const rows = await queryDb(db.url, 'SELECT id FROM seen ORDER BY id');
      expect(rows.map((r) => r.id)).toEqual(['a', 'b']);

      const letters = await readTopics([`${topic}.dlq`]);
      expect(letters).toHaveLength(1);
      const h = letters[0]?.headers ?? {};
      expect(h['sc-source-offset']).toBe('1');
      // The type is cut with a marker that gives its size; no header is unbounded.
      expect(h['sc-event-type']?.startsWith('txxxx')).toBe(true);
      expect(h['sc-event-type']).toMatch(new RegExp(`… \\[cut: kept \\d+ of ${HUGE_TYPE.length} bytes\\]$`));
      for (const [k, v] of Object.entries(h)) expect(Buffer.byteLength(v), k).toBeLessThanOrEqual(4096);
      // A fresh group's first join may meet "The group coordinator is not available", which
      // kafkajs retries: a warning, never an error (issue 17.6).
      expect(errors).toEqual([]);
      return { letter: letters[0], lines };
    } finally {
      await deleteTopics([topic, `${topic}.dlq`]);
      await db.drop();
    }
  }

  it.each(servers)('the DLQ topic the engine creates: the letter is produced with bounded headers, the next events apply ($name)', async (server) => {
    await runCase(server, undefined);
  }, 180_000);

  it('a DLQ topic with a smaller max.message.bytes: the letter is cut to fit and says so', async () => {
    const { letter } = await runCase(servers[0] as ServerDatabase, 100_000);
    const h = letter?.headers ?? {};
    expect(h['sc-original-value-bytes']).toBe(String(event(HUGE_TYPE, 'h').length));
    expect(h['sc-value-cut']).toMatch(/max\.message\.bytes \(100000\)/);
    expect(letter?.value?.length ?? 0).toBeLessThan(100_000);
    expect(letter?.value?.toString('utf8').startsWith('{"event_type":"txxx')).toBe(true);
  }, 180_000);
});
