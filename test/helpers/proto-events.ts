/**
 * Issue 22's Protobuf and JSON Schema scenario: one stream of events written three ways into twin
 * tables that must be equal cell by cell: Protobuf values (and keys) written by
 * @kafkajs/confluent-schema-registry's Protobuf serializer, JSON Schema values (and keys) framed
 * with the id the registry gave, and the same events as plain JSON.
 *
 * Two things the library does not do as Confluent's serializers do, filled in here: it writes no
 * message indexes (Confluent's KafkaProtobufSerializer writes them after the schema id: 0 for the
 * first message, else a count and the path), so they are inserted after its 5-byte header; and it
 * finds Google's well-known types only among a schema's references, so timestamp.proto is
 * registered as one (the reader takes a reference's copy first, else its own).
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import protobuf from 'protobufjs';
import { indexBytes } from './protobuf-writer.js';

export const MONEY = 'syntax = "proto3";\npackage it.shared;\n\nmessage Money {\n  string currency = 1;\n  int64 units = 2;\n}\n';
// google/protobuf/timestamp.proto's message as Google publishes it (comments and options left out).
const TIMESTAMP = 'syntax = "proto3";\npackage google.protobuf;\n\nmessage Timestamp {\n  int64 seconds = 1;\n  int32 nanos = 2;\n}\n';
const thing = (v2: boolean): string => `syntax = "proto3";
package it.things;
import "it/shared/money.proto";
import "google/protobuf/timestamp.proto";

message Header { string source = 1; }
message Thing {
  string event_id = 1;
  string event_type = 2;
  int64 big = 3;
  it.shared.Money price = 4;
  google.protobuf.Timestamp at = 5;
  Line line = 6;
  string amount = 7;${v2 ? '\n  string extra = 8;' : ''}
  message Line { string sku = 1; int32 qty = 2; }
}
`;
const KEY = 'syntax = "proto3";\npackage it.things;\n\nmessage Key { string id = 1; }\n';
export const JSON_VALUE = { $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: { event_id: { type: 'string' }, big: { type: 'integer' }, amount: { type: 'number' } }, required: ['event_id'] };
const JSON_KEY = { type: 'object', properties: { id: { type: 'string' } } };

/** The projection over one topic into `table`; `formats` decides how its records are read. */
export const protoThingsSpec = (o: { projection: string; group: string; topic: string; table: string; formats: string }): string => `projection: ${o.projection}
group: ${o.group}
topics: [${o.topic}]
formats: ${o.formats}
tables:
  ${o.table}:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      big: { type: bigint }
      units: { type: bigint }
      currency: { type: string, length: 3 }
      at: { type: datetime }
      sku: { type: string, length: 16 }
      qty: { type: int }
      amount: { type: decimal, precision: 20, scale: 2 }
      extra: { type: string, length: 16, nullable: true }
      n: { type: int, default: 0 }
on:
  thing.set:
    - insert: ${o.table}
      set: { id: $key.id, big: $.big, units: $.price.units, currency: $.price.currency, at: $.at, sku: $.line.sku, qty: $.line.qty, amount: $.amount, extra: { path: $.extra, default: null } }
      on_conflict: update
    - increment: ${o.table}
      where: { id: $key.id }
      by: { n: 1 }
`;

export interface ProtoEvent {
  id: string;
  seq: number;
  v2: boolean;
}

const BASE_S = 1_700_000_000;
/** 2^53 + 1 + 2·seq: past what a double holds, odd so a rounding would show. */
const big = (seq: number): string => (2n ** 53n + 1n + 2n * BigInt(seq)).toString();
const units = (seq: number): string => (-(2n ** 60n) + BigInt(seq)).toString();
/** 17 digits before the point: exact only as a decimal, never as a double. */
const amount = (seq: number): string => `12345678901234${String(seq).padStart(3, '0')}.${String(seq % 100).padStart(2, '0')}`;
const at = (seq: number): { seconds: number; nanos: number } => ({ seconds: BASE_S + seq * 3_607, nanos: (seq % 1000) * 1_000_000 });

/** The event's JSON text as a JSON producer writes it (big numbers as written, the timestamp ISO). */
export function protoEventJson(e: ProtoEvent): string {
  const t = at(e.seq);
  const iso = new Date(t.seconds * 1000 + t.nanos / 1e6).toISOString();
  const extra = e.v2 ? `,"extra":"x${e.seq}"` : '';
  return `{"event_id":"e-${e.seq}","event_type":"thing.set","big":${big(e.seq)},"price":{"currency":"EUR","units":${units(e.seq)}},"at":"${iso}","line":{"sku":"sku-${e.seq % 17}","qty":${e.seq % 5}},"amount":${amount(e.seq)}${extra}}`;
}

/** The event as the library's Protobuf serializer takes it (protobufjs's camelCase names, 64-bit as Long). */
function protoPayload(e: ProtoEvent): Record<string, unknown> {
  // protobufjs types util.Long as a bare constructor; at run time it is the long package's Long.
  const L = protobuf.util.Long as unknown as { fromString(text: string): object };
  return {
    eventId: `e-${e.seq}`, eventType: 'thing.set', big: L.fromString(big(e.seq)), price: { currency: 'EUR', units: L.fromString(units(e.seq)) },
    at: at(e.seq), line: { sku: `sku-${e.seq % 17}`, qty: e.seq % 5 }, amount: amount(e.seq), ...(e.v2 ? { extra: `x${e.seq}` } : {}),
  };
}

/** The registry's 5-byte header, the message indexes, then the body (`encoded`: the library's header + body). */
export const withIndexes = (encoded: Buffer, indexes: number[]): Buffer => Buffer.concat([encoded.subarray(0, 5), indexBytes(indexes), encoded.subarray(5)]);

export const framed = (id: number, data: Buffer | string): Buffer => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, Buffer.isBuffer(data) ? data : Buffer.from(data)]);
};

export interface ProtoWriters {
  ids: { v1: number; v2: number; key: number; jsonValue: number; jsonKey: number };
  proto(e: ProtoEvent): Promise<{ key: Buffer; value: Buffer }>;
  json(e: ProtoEvent): { key: Buffer; value: Buffer };
}

/** Register the subjects of `topic` (Protobuf) and `jsonTopic` (JSON Schema); writers of each. */
export async function protoWriters(topic: string, jsonTopic: string): Promise<ProtoWriters> {
  const host = process.env.SCHEMA_REGISTRY_URL;
  if (host === undefined) throw new Error('SCHEMA_REGISTRY_URL not set');
  // The library picks the first message of a file unless told: one client per message it writes.
  const plain = new SchemaRegistry({ host });
  const things = new SchemaRegistry({ host }, { [SchemaType.PROTOBUF]: { messageName: 'Thing' } });
  const ref = (name: string, subject: string) => ({ name, subject, version: 1 });
  await plain.register({ type: SchemaType.PROTOBUF, schema: MONEY }, { subject: `${topic}-money` });
  await plain.register({ type: SchemaType.PROTOBUF, schema: TIMESTAMP }, { subject: `${topic}-timestamp` });
  const references = [ref('it/shared/money.proto', `${topic}-money`), ref('google/protobuf/timestamp.proto', `${topic}-timestamp`)];
  const v1 = (await things.register({ type: SchemaType.PROTOBUF, schema: thing(false), references }, { subject: `${topic}-value` })).id;
  const v2 = (await things.register({ type: SchemaType.PROTOBUF, schema: thing(true), references }, { subject: `${topic}-value` })).id;
  const key = (await plain.register({ type: SchemaType.PROTOBUF, schema: KEY }, { subject: `${topic}-key` })).id;
  const jsonValue = (await plain.register({ type: SchemaType.JSON, schema: JSON.stringify(JSON_VALUE) }, { subject: `${jsonTopic}-value` })).id;
  const jsonKey = (await plain.register({ type: SchemaType.JSON, schema: JSON.stringify(JSON_KEY) }, { subject: `${jsonTopic}-key` })).id;
  return {
    ids: { v1, v2, key, jsonValue, jsonKey },
    // Thing is the file's second message: indexes [1]; Key the first: [0], written as one 0 byte.
    proto: async (e) => ({ key: withIndexes(await plain.encode(key, { id: e.id }), [0]), value: withIndexes(await things.encode(e.v2 ? v2 : v1, protoPayload(e)), [1]) }),
    // The library's JSON serializer writes JSON.stringify's text, which cannot hold 2^53 + 1: the
    // records are framed here with the id it registered, their text exactly the JSON twin's.
    json: (e) => ({ key: framed(jsonKey, JSON.stringify({ id: e.id })), value: framed(jsonValue, protoEventJson(e)) }),
  };
}
