/**
 * Issue 22 through the real schema registry (SCHEMA_REGISTRY_URL, Apicurio's Confluent API) and
 * real Kafka into MariaDB and PostgreSQL: Avro values with decimals, timestamp-millis / -micros,
 * date, unions and a nested record, and Avro keys as the table key, written by
 * @kafkajs/confluent-schema-registry's encode, with v1 and v2 of the value's subject interleaved.
 * The same events sent as JSON to a twin projection must give the same table, cell by cell. A
 * value that is not the wire format, one whose schema id the registry does not know and one that
 * does not decode are dead letters with their reasons.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { validatePaths } from '../../src/validate/index.js';
import { avroValue, jsonValue, registerThings, registry, sendRecords, thingsSpec, type Record_, type ThingEvent } from '../helpers/avro-events.js';
import { deleteTopics, readTopics, waitDrained, withAdmin } from '../helpers/kafka.js';
import { readRows } from '../helpers/parity.js';
import { startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, uniqueName } from '../helpers/services.js';

const { skip, servers } = eachServer('KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL');
const { onCleanup } = testResources();

describe.skipIf(skip).each(servers)('issue 22: Avro values through the schema registry into $name', (server) => {
  it('applies Avro records as their JSON twins, v1 and v2 mixed, and dead-letters what does not decode with reasons', async () => {
    const name = uniqueName('avro');
    const [avroTopic, jsonTopic] = [`${name}.avro`, `${name}.json`];
    const dir = mkdtempSync(join(tmpdir(), 'sc-avro-'));
    writeFileSync(join(dir, 'things.yaml'), [
      thingsSpec({ projection: 'avro_things', group: `${name}-a`, topic: avroTopic, table: 'avro_things', formats: '{ value: avro, key: avro }' }),
      thingsSpec({ projection: 'json_things', group: `${name}-j`, topic: jsonTopic, table: 'json_things', formats: '{ key: json }' }),
    ].join('---\n'));
    const db = await server.fresh('sc_it_avro');
    onCleanup(() => rmSync(dir, { recursive: true, force: true }), () => db.drop(), () => deleteTopics([avroTopic, jsonTopic, `${avroTopic}.dlq`, `${jsonTopic}.dlq`]));
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [avroTopic, jsonTopic].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })) }));

    const r = registry();
    const ids = await registerThings(r, avroTopic);
    expect(ids.v1).not.toBe(ids.v2);
    // 300 events on 40 ids: each id set several times (upserts, counters), v1 and v2 interleaved.
    const events: ThingEvent[] = Array.from({ length: 300 }, (_, seq) => ({ id: `t${(seq * 13) % 40}`, seq, v2: seq % 3 === 1 }));
    const records: Record_[] = [];
    for (const e of events) {
      records.push({ topic: avroTopic, key: await r.encode(ids.key, { id: e.id }), value: await r.encode(e.v2 ? ids.v2 : ids.v1, avroValue(e)) });
      records.push({ topic: jsonTopic, key: JSON.stringify({ id: e.id }), value: jsonValue(e) });
    }
    const key = await r.encode(ids.key, { id: 'bad' });
    const unknownId = Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from([2, 0x61])]);
    const truncated = (await r.encode(ids.v1, avroValue({ id: 'bad', seq: 1, v2: false }))).subarray(0, 9);
    records.push({ topic: avroTopic, key, value: '{"event_type":"thing.set"}' }, { topic: avroTopic, key, value: unknownId }, { topic: avroTopic, key, value: truncated });
    await sendRecords(records);

    const run = await startInProcess({ plan: validatePaths([dir]).plan as Plan, databaseUrl: db.url });
    try {
      await waitDrained(db.url, `${name}-a`, [avroTopic]);
      await waitDrained(db.url, `${name}-j`, [jsonTopic]);
      expect(run.rt.stats()[`${name}-a`]).toMatchObject({ applied: 300, deadLettered: 3 });
    } finally {
      await run.rt.stop();
    }
    const avroRows = await readRows(db.url, 'avro_things', ['id']);
    const jsonRows = await readRows(db.url, 'json_things', ['id']);
    expect(avroRows).toHaveLength(40);
    expect(avroRows).toEqual(jsonRows);
    // One row in words: the decimal exact, both datetimes, the date, the union, the nested record.
    // t0's last event (seq 280, v2): the decimal exact, a long past 2^32, both datetimes (the
    // column keeps milliseconds), the date, the union's string, the nested record's field.
    expect(avroRows.find((x) => x.id === 't0')).toMatchObject({ price: '-326.80', total: '1099511628056', at: '2024-08-20 22:08:40.280', at_us: '2024-08-20 22:08:40.280', day: '2022-10-15', note: 'note 280', sku: 'sku-8', extra: 'x280', n: 8 });
    expect(avroRows.filter((x) => x.note === null).length).toBeGreaterThan(0);
    expect(avroRows.reduce((n, x) => n + Number(x.n), 0)).toBe(300);

    const letters = await readTopics([`${avroTopic}.dlq`]);
    expect(letters.map((l) => l.headers['sc-reason']).sort()).toEqual([
      'value is not the schema registry wire format: the first byte is 0x7b, not the magic byte 0x00',
      'value: schema id 2147483632 is not in the schema registry',
      expect.stringMatching(new RegExp(`^value does not decode with schema id ${ids.v1}: `, 'u')),
    ].sort());
  });
});
