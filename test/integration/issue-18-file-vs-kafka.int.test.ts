/**
 * Issue 18 items 3 and 10: the same values through Kafka and through `run --from` give the same
 * rows and the same dead letters (the file source hands the engine the line's own bytes), and a
 * file run and a Kafka engine never share a group's positions silently.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, deleteTopics, readTopics, testKafka, waitDrained } from '../helpers/kafka.js';
import { startInProcess } from '../helpers/runner.js';
import { skipWithout, uniqueName } from '../helpers/services.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { silentLogger } from '../../src/runtime/ops/log.js';

const skip = skipWithout('KAFKA_BROKERS');

function spec(group: string, topic: string): string {
  return `projection: bytes-${group}
group: ${group}
topics: [${topic}]
unhandled: skip
tables:
  entries:
    key: [entry_id]
    columns:
      entry_id: { type: string, length: 64 }
      n:        { type: bigint, nullable: true }
      amount:   { type: decimal, precision: 12, scale: 2, nullable: true }
      label:    { type: string, length: 64, nullable: true }
      doc:      { type: json, nullable: true }
on:
  entry.set:
    - insert: entries
      on_conflict: update
      set: { entry_id: $.entity_id, n: $.data.n, amount: $.data.amount, label: $.data.label, doc: $.data.doc }
`;
}

const ev = (id: string, entity: string, data: string): Buffer => Buffer.from(`{"event_type":"entry.set","event_id":${id},"entity_id":"${entity}","entity_version":1,"data":${data}}`);

/** Values JSON.parse and re-serialising would bend, and bytes a replacement character would hide. */
const VALUES: Array<{ key: string; value: Buffer }> = [
  { key: 'k1', value: ev('"e1"', 'k1', '{"n":1,"label":"plain","doc":{"a":[1,2]}}') },
  { key: 'k2', value: ev('"e2"', 'k2', '{"n":1e400}') },
  { key: 'k3', value: ev('1e400', 'k3', '{"n":3}') },
  { key: 'k4', value: Buffer.concat([ev('"e4"', 'k4', '{"label":"x').subarray(0, -2), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]) },
  { key: 'k5', value: ev('"e5"', 'k5', '{"n":1E2,"amount":12.50,"label":"caf\\u00e9 \u00e9"}') },
  { key: 'k6', value: ev('"e6"', 'k6', '{"n":-0,"doc":{"b":1.0e1,"c":"\\ud83d\\ude00"}}') },
  { key: 'k7', value: ev('"e7"', 'k7', '{"n":1.5}') },
  { key: 'k8', value: ev('1e2', 'k8', '{"n":8}') },
  { key: 'k9', value: ev('"e9"', 'k9', '{"n":9007199254740993}') },
];

/** The NDJSON line that carries the value: its bytes as they are, never re-encoded. */
const ndjson = (vs: typeof VALUES, topic: string): Buffer => Buffer.concat(vs.flatMap((v) => [Buffer.from(`{"topic":"${topic}","key":"${v.key}","value":`), v.value, Buffer.from('}\n')]));

function readSqlite(file: string, sql: string): Array<Record<string, unknown>> {
  const d = new Database(file, { readonly: true });
  try { return d.prepare(sql).all() as Array<Record<string, unknown>>; } finally { d.close(); }
}

describe.skipIf(skip)('issue 18: --from and Kafka agree, and never share positions silently', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-it-file-kafka-'));
  const topics: string[] = [];
  afterAll(async () => {
    await deleteTopics(topics);
    rmSync(dir, { recursive: true, force: true });
  });

  async function setup(test: string) {
    const group = uniqueName(`it-${test}`);
    const topic = `${group}.items`;
    topics.push(topic, `${topic}.dlq`);
    await createTopics([topic], 1);
    const specDir = join(dir, group);
    rmSync(specDir, { recursive: true, force: true });
    const { mkdirSync } = await import('node:fs');
    mkdirSync(specDir);
    writeFileSync(join(specDir, 'spec.yaml'), spec(group, topic));
    return { group, topic, specDir };
  }

  it('the same values give the same rows and the same dead letters through Kafka and --from', async () => {
    const { group, topic, specDir } = await setup('bytes');
    const producer = testKafka('sc-it-bytes').producer();
    await producer.connect();
    await producer.send({ topic, messages: VALUES.map((v) => ({ key: v.key, value: v.value, partition: 0 })) });
    await producer.disconnect();

    const kafkaDb = join(dir, `${group}-kafka.db`);
    const { rt } = await startInProcess({ config: specDir, databaseUrl: `sqlite:${kafkaDb}` });
    await waitDrained(`sqlite:${kafkaDb}`, group, [topic], 60_000);
    await rt.stop();
    await rt.done;
    // The table's reason starts with the event type, which a letter on a topic carries in a header of its own.
    const kafkaLetters = (await readTopics([`${topic}.dlq`])).map((m) => {
      const type = m.headers['sc-event-type'];
      return { offset: Number(m.headers['sc-source-offset']), reason: `${type === undefined ? '' : `${type}: `}${m.headers['sc-reason'] ?? ''}` };
    });

    const file = join(dir, `${group}.ndjson`);
    writeFileSync(file, ndjson(VALUES, topic));
    const fileDb = join(dir, `${group}-file.db`);
    const frt = await createRuntime({ config: specDir, databaseUrl: `sqlite:${fileDb}`, from: file, logger: silentLogger, statsInterval: 0 });
    await frt.start();
    await frt.done;
    const fileLetters = readSqlite(fileDb, 'SELECT "offset", reason FROM sc_dead_letters').map((r) => ({ offset: Number(r.offset), reason: String(r.reason) }));

    const q = 'SELECT entry_id, n, amount, label, doc FROM entries ORDER BY entry_id';
    const kafkaRows = readSqlite(kafkaDb, q);
    console.log(`kafka rows ${JSON.stringify(kafkaRows)}; letters ${JSON.stringify(kafkaLetters)}`);
    expect(readSqlite(fileDb, q)).toEqual(kafkaRows);
    const byOffset = (a: { offset: number }, b: { offset: number }) => a.offset - b.offset;
    expect(fileLetters.sort(byOffset)).toEqual(kafkaLetters.sort(byOffset));
    // The cases the issue names: 1e400 is a dead letter both ways, event_id 1e400 applied, invalid UTF-8 a dead letter.
    expect(kafkaLetters.map((l) => l.offset)).toEqual(expect.arrayContaining([1, 3]));
    expect(kafkaRows.map((r) => r.entry_id)).toEqual(expect.arrayContaining(['k3']));
  });

  it('a Kafka engine refuses a group whose positions a file run wrote, and a file run refuses Kafka positions', async () => {
    const { group, topic, specDir } = await setup('shared');
    const producer = testKafka('sc-it-shared').producer();
    await producer.connect();
    await producer.send({ topic, messages: VALUES.slice(0, 3).map((v) => ({ key: v.key, value: v.value, partition: 0 })) });
    await producer.disconnect();

    // A file of 20 lines into the group: its positions are line numbers (20), ahead of Kafka's 3.
    const fileDb = join(dir, `${group}-file.db`);
    const file = join(dir, `${group}.ndjson`);
    writeFileSync(file, ndjson(Array.from({ length: 20 }, (_, i) => ({ key: `f${i}`, value: ev(`"f${i}"`, `f${i}`, `{"n":${i}}`) })), topic));
    const frt = await createRuntime({ config: specDir, databaseUrl: `sqlite:${fileDb}`, from: file, logger: silentLogger, statsInterval: 0 });
    await frt.start();
    await frt.done;
    const kafkaRt = await createRuntime({ config: specDir, databaseUrl: `sqlite:${fileDb}`, brokers: (process.env.KAFKA_BROKERS ?? '').split(','), logger: silentLogger, statsInterval: 0 });
    await expect(kafkaRt.start()).rejects.toThrow(/written by a file run \(--from, 20 lines\).*Nothing was consumed/s);

    // The reverse: Kafka's positions, then a file into the same database and group.
    const kafkaDb = join(dir, `${group}-kafka.db`);
    const { rt } = await startInProcess({ config: specDir, databaseUrl: `sqlite:${kafkaDb}` });
    await waitDrained(`sqlite:${kafkaDb}`, group, [topic], 60_000);
    await rt.stop();
    await rt.done;
    const before = readSqlite(kafkaDb, 'SELECT count(*) AS n FROM entries')[0]?.n;
    const again = await createRuntime({ config: specDir, databaseUrl: `sqlite:${kafkaDb}`, from: file, logger: silentLogger, statsInterval: 0 });
    await again.start();
    await expect(again.done).rejects.toThrow(/not written by a file run.*--source NAME/s);
    expect(readSqlite(kafkaDb, 'SELECT count(*) AS n FROM entries')[0]?.n).toBe(before);
  });
});
