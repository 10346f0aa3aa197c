/**
 * Google's well-known types through the Protobuf reader (issue 22), as the proto3 JSON mapping
 * writes them: Timestamp a UTC datetime (as Avro's timestamps read), Duration "1.500s", wrappers
 * their value, Struct/Value/ListValue plain JSON, Empty {}, FieldMask "a,b", Any its message with
 * "@type". And bytes written by another implementation: @kafkajs/confluent-schema-registry's own
 * Protobuf schema class (its serializer's encoder), read back by ours.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ExactNumber } from '../../../compile/exact-number.js';
import { indexBytes, protoWriter } from '../../../../test/helpers/protobuf-writer.js';
import { protobufReader } from './protobuf.js';

const SCHEMA = `
syntax = "proto3";
package wk.v1;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/empty.proto";
import "google/protobuf/field_mask.proto";
import "google/protobuf/any.proto";
message Known {
  google.protobuf.Timestamp at = 1; google.protobuf.Duration took = 2;
  google.protobuf.Int64Value big = 3; google.protobuf.StringValue note = 4; google.protobuf.BoolValue flag = 5;
  google.protobuf.BytesValue blob = 6; google.protobuf.DoubleValue ratio = 7; google.protobuf.UInt32Value count = 8;
  google.protobuf.Struct attrs = 9; google.protobuf.Value any_value = 10; google.protobuf.ListValue items = 11;
  google.protobuf.Empty nothing = 12; google.protobuf.FieldMask mask = 13; google.protobuf.Any packed = 14;
  repeated google.protobuf.Timestamp times = 15;
}
message Point { int32 x = 1; }
`;
const write = protoWriter(SCHEMA);
const read = (value: Record<string, unknown>): Record<string, unknown> =>
  protobufReader(SCHEMA, new Map()).read(write('wk.v1.Known', value)) as Record<string, unknown>;

describe('protobufReader: well-known types', () => {
  it('reads a Timestamp as an ISO-8601 UTC datetime: milliseconds always, micro- or nanoseconds when set', () => {
    expect(read({ at: { seconds: 1_700_000_000, nanos: 123_000_000 } }).at).toBe('2023-11-14T22:13:20.123Z');
    expect(read({ at: { seconds: 1_700_000_000, nanos: 123_456_000 } }).at).toBe('2023-11-14T22:13:20.123456Z');
    expect(read({ at: { seconds: 1_700_000_000, nanos: 123_456_789 } }).at).toBe('2023-11-14T22:13:20.123456789Z');
    expect(read({ at: {} }).at).toBe('1970-01-01T00:00:00.000Z');
    expect(read({ at: { seconds: -1, nanos: 500_000_000 } }).at).toBe('1969-12-31T23:59:59.500Z');
    expect(read({ times: [{ seconds: 0 }, { seconds: 86_400 }] }).times).toEqual(['1970-01-01T00:00:00.000Z', '1970-01-02T00:00:00.000Z']);
  });

  it('reads a Duration as the JSON mapping\'s text', () => {
    expect(read({ took: { seconds: 1, nanos: 500_000_000 } }).took).toBe('1.500s');
    expect(read({ took: { seconds: 3 } }).took).toBe('3s');
    expect(read({ took: { seconds: -1, nanos: -250_000 } }).took).toBe('-1.000250s');
    expect(read({ took: { nanos: 1 } }).took).toBe('0.000000001s');
  });

  it('reads wrappers as their value (a default written is the default), absent ones left out', () => {
    const v = read({ big: { value: '9223372036854775807' }, note: { value: 'hi' }, flag: {}, blob: { value: Buffer.from('ab') }, ratio: { value: 0.5 }, count: { value: 7 } });
    expect(v).toMatchObject({ big: new ExactNumber('9223372036854775807'), note: 'hi', flag: false, blob: 'YWI=', ratio: 0.5, count: 7 });
    expect(read({ big: { value: '12' } }).big).toBe(12);
    expect('note' in read({})).toBe(false);
  });

  it('reads Struct, Value and ListValue as plain JSON', () => {
    // protobufjs's built-in struct.proto names Value's fields in camelCase: the writer is given those.
    const v = read({
      attrs: { fields: { a: { numberValue: 1.5 }, b: { stringValue: 's' }, c: { boolValue: true }, d: { nullValue: 0 }, e: { listValue: { values: [{ numberValue: 1 }, { structValue: { fields: { z: { stringValue: 'deep' } } } }] } } } },
      any_value: { stringValue: 'v' }, items: { values: [{ boolValue: false }, { nullValue: 0 }] },
    });
    expect(v.attrs).toEqual({ a: 1.5, b: 's', c: true, d: null, e: [1, { z: 'deep' }] });
    expect(v.any_value).toBe('v');
    expect(v.items).toEqual([false, null]);
  });

  it('reads Empty as {}, FieldMask as its paths joined by commas', () => {
    expect(read({ nothing: {}, mask: { paths: ['a.b', 'c'] } })).toMatchObject({ nothing: {}, mask: 'a.b,c' });
  });

  it('reads an Any of a type the schema knows as its message with @type, else keeps its bytes', () => {
    const point = write('wk.v1.Point', { x: 3 }).subarray(1);
    expect(read({ packed: { type_url: 'type.googleapis.com/wk.v1.Point', value: point } }).packed).toEqual({ '@type': 'type.googleapis.com/wk.v1.Point', x: 3 });
    const at = protoWriter(SCHEMA)('google.protobuf.Timestamp', { seconds: 60 }).subarray(1);
    expect(read({ packed: { type_url: 'type.googleapis.com/google.protobuf.Timestamp', value: at } }).packed).toEqual({ '@type': 'type.googleapis.com/google.protobuf.Timestamp', value: '1970-01-01T00:01:00.000Z' });
    expect(read({ packed: { type_url: 'type.googleapis.com/other.Thing', value: Buffer.from([8, 1]) } }).packed).toEqual({ '@type': 'type.googleapis.com/other.Thing', value: 'CAE=' });
  });
});

describe('protobufReader: bytes from another implementation', () => {
  it("reads what @kafkajs/confluent-schema-registry's Protobuf schema writes (after the message indexes its serializer leaves out)", () => {
    const require = createRequire(import.meta.url);
    const { default: ProtoSchema } = require('@kafkajs/confluent-schema-registry/dist/ProtoSchema.js') as {
      default: new (s: { schema: string }, o: { messageName: string }) => { toBuffer(p: Record<string, unknown>): Buffer };
    };
    const schema = 'syntax = "proto3";\npackage lib.v1;\nmessage Event { string event_id = 1; int64 amount = 2; repeated string tags = 3; Inner inner = 4; message Inner { bool ok = 1; } }\n';
    // The library parses without keepCase, so it is given camelCase names; the bytes are the same.
    const body = new ProtoSchema({ schema }, { messageName: 'Event' }).toBuffer({ eventId: 'e-1', amount: 5, tags: ['t'], inner: { ok: true } });
    expect(protobufReader(schema, new Map()).read(Buffer.concat([indexBytes([0]), body]))).toEqual({ event_id: 'e-1', amount: 5, tags: ['t'], inner: { ok: true } });
  });
});
