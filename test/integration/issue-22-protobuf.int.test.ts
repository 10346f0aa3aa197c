/**
 * Issue 22 through the real schema registry (SCHEMA_REGISTRY_URL, Apicurio's Confluent API) and
 * real Kafka into MariaDB and PostgreSQL: Protobuf values and keys written by
 * @kafkajs/confluent-schema-registry's serializer (the value the second message of its file, with
 * a nested message, an import registered as a reference, a Timestamp and int64s past 2^53; v1 and
 * v2 of the subject interleaved) and JSON Schema values and keys (numbers a double cannot hold),
 * each into a table that must equal the same events sent as plain JSON, cell by cell. An unknown
 * schema id, bytes that are not the wire format and a JSON Schema id on the Protobuf topic are dead
 * letters with their reasons.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { validatePaths } from '../../src/validate/index.js';
import { sendRecords, type Record_ } from '../helpers/avro-events.js';
import { deleteTopics, readTopics, waitDrained, withAdmin } from '../helpers/kafka.js';
import { readRows } from '../helpers/parity.js';
import { framed, protoEventJson, protoThingsSpec, protoWriters, type ProtoEvent } from '../helpers/proto-events.js';
import { startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, uniqueName } from '../helpers/services.js';

const { skip, servers } = eachServer('KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL');
const { onCleanup } = testResources();

describe.skipIf(skip).each(servers)('issue 22: Protobuf and JSON Schema through the schema registry into $name', (server) => {
  it('applies Protobuf and JSON Schema records as their JSON twins, v1 and v2 mixed, and dead-letters what does not decode', async () => {
    const name = uniqueName('proto');
    const [protoTopic, schemaTopic, jsonTopic] = [`${name}.proto`, `${name}.jsch`, `${name}.json`];
    const topics = [protoTopic, schemaTopic, jsonTopic];
    const dir = mkdtempSync(join(tmpdir(), 'sc-proto-'));
    writeFileSync(join(dir, 'things.yaml'), [
      protoThingsSpec({ projection: 'proto_things', group: `${name}-p`, topic: protoTopic, table: 'proto_things', formats: '{ value: protobuf, key: protobuf }' }),
      protoThingsSpec({ projection: 'jsch_things', group: `${name}-s`, topic: schemaTopic, table: 'jsch_things', formats: '{ value: json-schema, key: json-schema }' }),
      protoThingsSpec({ projection: 'json_things', group: `${name}-j`, topic: jsonTopic, table: 'json_things', formats: '{ key: json }' }),
    ].join('---\n'));
    const db = await server.fresh('sc_it_proto');
    onCleanup(() => rmSync(dir, { recursive: true, force: true }), () => db.drop(), () => deleteTopics([...topics, ...topics.map((t) => `${t}.dlq`)]));
    await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: topics.map((topic) => ({ topic, numPartitions: 2, replicationFactor: 1 })) }));

    const w = await protoWriters(protoTopic, schemaTopic);
    expect(w.ids.v1).not.toBe(w.ids.v2);
    // 150 events on 30 ids: each id set several times (upserts, counters), v1 and v2 interleaved.
    const events: ProtoEvent[] = Array.from({ length: 150 }, (_, seq) => ({ id: `t${(seq * 7) % 30}`, seq, v2: seq % 3 === 1 }));
    const records: Record_[] = [];
    for (const e of events) {
      records.push({ topic: protoTopic, ...(await w.proto(e)) }, { topic: schemaTopic, ...w.json(e) }, { topic: jsonTopic, key: JSON.stringify({ id: e.id }), value: protoEventJson(e) });
    }
    const key = (await w.proto({ id: 'bad', seq: 0, v2: false })).key;
    records.push(
      { topic: protoTopic, key, value: framed(0x7ffffff0, Buffer.from([0, 10, 1, 0x61])) },
      { topic: protoTopic, key, value: 'garbage' },
      { topic: protoTopic, key, value: framed(w.ids.jsonValue, '{}') },
    );
    await sendRecords(records, 'sc-it-proto');

    const run = await startInProcess({ plan: validatePaths([dir]).plan as Plan, databaseUrl: db.url });
    try {
      for (const [group, topic] of [['p', protoTopic], ['s', schemaTopic], ['j', jsonTopic]] as const) await waitDrained(db.url, `${name}-${group}`, [topic]);
      expect(run.rt.stats()[`${name}-p`]).toMatchObject({ applied: 150, deadLettered: 3 });
      expect(run.rt.stats()[`${name}-s`]).toMatchObject({ applied: 150, deadLettered: 0 });
    } finally {
      await run.rt.stop();
    }
    const jsonRows = await readRows(db.url, 'json_things', ['id']);
    expect(jsonRows).toHaveLength(30);
    expect(await readRows(db.url, 'proto_things', ['id'])).toEqual(jsonRows);
    expect(await readRows(db.url, 'jsch_things', ['id'])).toEqual(jsonRows);
    // t0's last event (seq 120, v1): int64s past 2^53 exact, the Timestamp's milliseconds, the
    // nested and imported messages' fields, a 17-digit decimal exact.
    expect(jsonRows.find((x) => x.id === 't0')).toMatchObject({ big: '9007199254741233', units: '-1152921504606846856', currency: 'EUR', at: '2023-11-19 22:27:20.120', sku: 'sku-1', qty: 0, amount: '12345678901234120.20', extra: null, n: 5 });
    expect(jsonRows.filter((x) => x.extra !== null).length).toBeGreaterThan(0);

    const letters = await readTopics([`${protoTopic}.dlq`]);
    expect(letters.map((l) => l.headers['sc-reason']).sort()).toEqual([
      'value is not the schema registry wire format: the first byte is 0x67, not the magic byte 0x00',
      'value: schema id 2147483632 is not in the schema registry',
      `value: schema id ${w.ids.jsonValue} is a JSON Schema, but formats.value is protobuf`,
    ].sort());
  });
});
