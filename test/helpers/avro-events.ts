/**
 * Issue 22's Avro scenario: one stream of events written twice, as Avro values (and keys) in the
 * registry wire format by @kafkajs/confluent-schema-registry (what Confluent's serializers write)
 * and as the same events' JSON, into twin tables that must be equal cell by cell.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { testKafka } from './kafka.js';

export const V1 = {
  type: 'record', name: 'Thing', namespace: 'it.sc', fields: [
    { name: 'event_id', type: 'string' },
    { name: 'event_type', type: 'string' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'total', type: 'long' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'at_us', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'line', type: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int' }] } },
  ],
};
/** v2 of the subject: one more field with a default (backward compatible). */
export const V2 = { ...V1, fields: [...V1.fields, { name: 'extra', type: ['null', 'string'], default: null }] };
export const KEY = { type: 'record', name: 'ThingKey', namespace: 'it.sc', fields: [{ name: 'id', type: 'string' }] };

/** The projection over one topic, into `table`; `formats` decides how its records are read. */
export const thingsSpec = (o: { projection: string; group: string; topic: string; table: string; formats: string }): string => `projection: ${o.projection}
group: ${o.group}
topics: [${o.topic}]
formats: ${o.formats}
tables:
  ${o.table}:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      price: { type: decimal, precision: 12, scale: 2 }
      total: { type: bigint }
      at: { type: datetime }
      at_us: { type: datetime }
      day: { type: string, length: 10 }
      note: { type: string, length: 32, nullable: true }
      sku: { type: string, length: 16 }
      line: { type: json }
      extra: { type: string, length: 16, nullable: true }
      n: { type: int, default: 0 }
on:
  thing.set:
    - insert: ${o.table}
      set: { id: $key.id, price: $.price, total: $.total, at: $.at, at_us: $.at_us, day: $.day, note: $.note, sku: $.line.sku, line: $.line, extra: { path: $.extra, default: null } }
      on_conflict: update
    - increment: ${o.table}
      where: { id: $key.id }
      by: { n: 1 }
`;

export interface ThingEvent {
  id: string;
  seq: number;
  v2: boolean;
}

const BASE_MS = 1_700_000_000_000;
const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** The event's fields as Avro's underlying values (what a producer hands the serializer). */
export function avroValue(e: ThingEvent): Record<string, unknown> {
  const cents = (e.seq * 7919) % 200_000 - 50_000;
  const ms = BASE_MS + e.seq * 86_399_001;
  const price = Buffer.alloc(4);
  price.writeInt32BE(cents);
  return {
    event_id: `e-${e.seq}`, event_type: 'thing.set', price, total: 2 ** 40 + e.seq, at: ms, at_us: ms * 1000 + (e.seq % 1000), day: 19_000 + e.seq,
    note: e.seq % 3 === 0 ? null : `note ${e.seq}`, line: { sku: `sku-${e.seq % 17}`, qty: e.seq % 5 },
    ...(e.v2 ? { extra: e.seq % 2 === 0 ? `x${e.seq}` : null } : {}),
  };
}

/** The same event as JSON text, written as a JSON producer would (decimals as numbers, datetimes ISO). */
export function jsonValue(e: ThingEvent): string {
  const a = avroValue(e);
  const cents = (a.price as Buffer).readInt32BE();
  const ms = a.at as number;
  const iso = new Date(ms).toISOString();
  const us = `${iso.slice(0, -1)}${pad(e.seq % 1000, 3)}Z`;
  const day = new Date((a.day as number) * 86_400_000).toISOString().slice(0, 10);
  const price = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${pad(Math.abs(cents) % 100, 2)}`;
  const rest = JSON.stringify({ at: iso, at_us: us, day, note: a.note, line: a.line, ...(e.v2 ? { extra: a.extra } : {}) }).slice(1);
  return `{"event_id":"${a.event_id as string}","event_type":"thing.set","price":${price},"total":${a.total as number},${rest}`;
}

export function registry(): SchemaRegistry {
  const host = process.env.SCHEMA_REGISTRY_URL;
  if (host === undefined) throw new Error('SCHEMA_REGISTRY_URL not set');
  return new SchemaRegistry({ host });
}

/** Register v1, v2 and the key under the topic's subjects; their ids. */
export async function registerThings(r: SchemaRegistry, topic: string): Promise<{ v1: number; v2: number; key: number }> {
  const v1 = (await r.register({ type: SchemaType.AVRO, schema: JSON.stringify(V1) }, { subject: `${topic}-value` })).id;
  const v2 = (await r.register({ type: SchemaType.AVRO, schema: JSON.stringify(V2) }, { subject: `${topic}-value` })).id;
  const key = (await r.register({ type: SchemaType.AVRO, schema: JSON.stringify(KEY) }, { subject: `${topic}-key` })).id;
  return { v1, v2, key };
}

export interface Record_ {
  topic: string;
  key: Buffer | string;
  value: Buffer | string;
}

export async function sendRecords(records: Record_[], clientId = 'sc-it-avro'): Promise<void> {
  const producer = testKafka(clientId).producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let i = 0; i < records.length; i += 500) {
      const byTopic = new Map<string, Array<{ key: Buffer | string; value: Buffer | string }>>();
      for (const m of records.slice(i, i + 500)) byTopic.set(m.topic, [...(byTopic.get(m.topic) ?? []), { key: m.key, value: m.value }]);
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
    }
  } finally {
    await producer.disconnect();
  }
}
