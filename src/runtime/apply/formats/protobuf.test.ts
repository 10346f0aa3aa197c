/**
 * The Protobuf reader (issue 22): the message chosen by the wire format's indexes, imports from the
 * registry's references, field names as written, values as the same event's JSON would hold them,
 * and bytes or indexes that are not a record of the schema refused with a reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ExactNumber } from '../../../compile/exact-number.js';
import { indexBytes, protoWriter } from '../../../../test/helpers/protobuf-writer.js';
import { protobufReader } from './protobuf.js';

const SCHEMA = `
syntax = "proto3";
package shop.v1;
enum Kind { KIND_UNSET = 0; KIND_A = 1; KIND_B = 2; }
message Flat {
  string item_id = 1; int64 big = 2; uint64 ubig = 3; sint64 neg = 4; fixed64 fx = 5; sfixed64 sfx = 6;
  int32 n = 7; uint32 u = 8; double d = 9; float f = 10; bool ok = 11; bytes raw = 12; Kind kind = 13;
  repeated string tags = 14; repeated Kind kinds = 15; repeated int64 longs = 16;
  map<string, int64> counts = 17; map<int64, Line> by_id = 18; map<bool, bytes> flags = 19;
  Line line = 20; optional int32 maybe = 21;
  oneof choice { string text = 22; Line other = 23; }
  message Line { string sku = 1; int64 qty = 2; Detail detail = 3; message Detail { string note = 1; } }
}
message Second { string name = 1; message Inner { int32 depth = 1; } }
`;
const write = protoWriter(SCHEMA);
const read = (data: Buffer): Record<string, unknown> => protobufReader(SCHEMA, new Map()).read(data) as Record<string, unknown>;

describe('protobufReader: values', () => {
  it('reads every kind of field as the same event\'s JSON would look, names as written', () => {
    const v = read(write('shop.v1.Flat', {
      item_id: 'i-1', big: '12345678901234567890', ubig: '18446744073709551615', neg: '-9007199254740993', fx: '42', sfx: '-5',
      n: -3, u: 4294967295, d: 1.25, f: 0.1, ok: true, raw: Buffer.from('bin'), kind: 'KIND_B',
      tags: ['x', 'y'], kinds: [1, 2], longs: ['1', '9223372036854775807'],
      counts: { a: '7' }, by_id: { '9007199254740993': { sku: 'S', qty: '2' } }, flags: { true: Buffer.from([1]) },
      line: { sku: 'S1', qty: '3', detail: { note: 'n' } }, maybe: 0, text: 'hello',
    }));
    expect(v).toEqual({
      item_id: 'i-1', big: new ExactNumber('-6101065172474983726'), ubig: new ExactNumber('18446744073709551615'),
      neg: new ExactNumber('-9007199254740993'), fx: 42, sfx: -5,
      n: -3, u: 4294967295, d: 1.25, f: 0.1, ok: true, raw: 'Ymlu', kind: 'KIND_B',
      tags: ['x', 'y'], kinds: ['KIND_A', 'KIND_B'], longs: [1, new ExactNumber('9223372036854775807')],
      counts: { a: 7 }, by_id: { '9007199254740993': { sku: 'S', qty: 2 } }, flags: { true: 'AQ==' },
      line: { sku: 'S1', qty: 3, detail: { note: 'n' } }, maybe: 0, text: 'hello',
    });
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
  });

  it('gives proto3 scalars absent on the wire their default and leaves out fields with presence', () => {
    const v = read(write('shop.v1.Flat', {}));
    expect(v).toEqual({
      item_id: '', big: 0, ubig: 0, neg: 0, fx: 0, sfx: 0, n: 0, u: 0, d: 0, f: 0, ok: false, raw: '', kind: 'KIND_UNSET',
      tags: [], kinds: [], longs: [], counts: {}, by_id: {}, flags: {},
    });
    // line (a message), maybe (optional) and the oneof: absent, as the JSON mapping leaves them out.
    expect('line' in v || 'maybe' in v || 'text' in v || 'other' in v).toBe(false);
  });

  it('gives only the set member of a oneof', () => {
    const v = read(write('shop.v1.Flat', { other: { sku: 'S9' } }));
    expect(v.other).toEqual({ sku: 'S9', qty: 0 });
    expect('text' in v).toBe(false);
  });

  it('gives an enum number the schema does not name as the number', () => {
    // Field 13 (kind), varint 7: written by a newer schema with a seventh symbol.
    expect(read(Buffer.concat([indexBytes([0]), Buffer.from([13 << 3, 7])])).kind).toBe(7);
  });

  it('keeps every 64-bit integer exactly: a number while a double holds it, else its text', () => {
    fc.assert(fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (big, ubig) => {
      const v = read(write('shop.v1.Flat', { big: big.toString(), ubig: ubig.toString() }));
      const text = (x: unknown): string => (x instanceof ExactNumber ? x.text : String(x));
      expect(text(v.big)).toBe(big.toString());
      expect(text(v.ubig)).toBe(ubig.toString());
      expect(typeof v.big === 'number').toBe(big >= -(2n ** 53n) && big <= 2n ** 53n);
    }), { numRuns: 500 });
  });

  it('writes floats as the shortest decimal of the same float32, and NaN or infinities as the JSON mapping\'s strings', () => {
    fc.assert(fc.property(fc.float({ noNaN: true, noDefaultInfinity: true }), (f) => {
      const got = read(write('shop.v1.Flat', { f })).f as number;
      // -0 is proto3's default 0 and is not written: compare as numbers.
      expect(Math.fround(got) === Math.fround(f)).toBe(true);
      expect(Number(got.toPrecision(9))).toBe(got);
    }), { numRuns: 500 });
    expect(read(write('shop.v1.Flat', { d: Number.NaN, f: Number.NEGATIVE_INFINITY }))).toMatchObject({ d: 'NaN', f: '-Infinity' });
  });
});

describe('protobufReader: the message indexes', () => {
  it('chooses top-level, then nested messages, in declaration order', () => {
    expect(read(write('shop.v1.Second', { name: 'two' }, [1]))).toEqual({ name: 'two' });
    expect(read(write('shop.v1.Second.Inner', { depth: 3 }, [1, 0]))).toEqual({ depth: 3 });
    expect(read(write('shop.v1.Flat.Line', { sku: 'L' }, [0, 0]))).toEqual({ sku: 'L', qty: 0 });
    expect(read(write('shop.v1.Flat.Line.Detail', { note: 'd' }, [0, 0, 0]))).toEqual({ note: 'd' });
  });

  it('refuses indexes that point at no message, and indexes that cannot be read', () => {
    expect(() => read(write('shop.v1.Second', {}, [2]))).toThrow('the message indexes [2] point at no message of the schema');
    expect(() => read(write('shop.v1.Second', {}, [1, 1]))).toThrow('the message indexes [1, 1] point at no message of the schema');
    expect(() => read(Buffer.alloc(0))).toThrow('not the Protobuf wire format: the message indexes cannot be read');
  });
});

describe('protobufReader: bytes that are not a record', () => {
  it('throws with a reason on a truncated body and on garbage', () => {
    const whole = write('shop.v1.Flat', { item_id: 'a-long-enough-id', line: { sku: 'S' } });
    expect(() => read(whole.subarray(0, whole.length - 3))).toThrow(/^not a Protobuf Flat: index out of range/);
    expect(() => read(Buffer.from([0, 0xff, 0xff, 0xff]))).toThrow(/^not a Protobuf Flat: /);
    // A string longer than the bytes left, and a wire type Protobuf does not have (7).
    expect(() => read(Buffer.from([0, (1 << 3) | 2, 50, 0x41]))).toThrow(/^not a Protobuf Flat: index out of range/);
    expect(() => read(Buffer.from([0, (30 << 3) | 7, 1]))).toThrow(/^not a Protobuf Flat: invalid wire type 7/);
    expect(() => read(Buffer.from([0, (1 << 3) | 2, 2, 0xc3, 0x28]))).toThrow('not a Protobuf Flat: a string field at offset 2 is not valid UTF-8');
  });
});

describe('protobufReader: the schema', () => {
  const COMMON = 'syntax = "proto3";\npackage common.v1;\nimport "money.proto";\nmessage Address { string city = 1; Money price = 2; }\n';
  const MONEY = 'syntax = "proto3";\npackage common.v1;\nmessage Money { string currency_code = 1; int64 units = 2; }\n';
  const MAIN = 'syntax = "proto3";\npackage app.v1;\nimport "common/address.proto";\nmessage Shipment { common.v1.Address to = 1; repeated common.v1.Money fees = 2; }\n';
  const refs = new Map([['common/address.proto', COMMON], ['money.proto', MONEY]]);

  it('resolves imports from the references, transitively, and counts only the file\'s own messages', () => {
    const bytes = protoWriter(MAIN, Object.fromEntries(refs))('app.v1.Shipment', { to: { city: 'Oslo', price: { currency_code: 'NOK', units: '12' } }, fees: [{ units: '1' }] });
    expect(protobufReader(MAIN, refs).read(bytes)).toEqual({ to: { city: 'Oslo', price: { currency_code: 'NOK', units: 12 } }, fees: [{ currency_code: '', units: 1 }] });
  });

  it('counts the file\'s messages only, when a reference shares its package', () => {
    const main = 'syntax = "proto3";\npackage common.v1;\nimport "money.proto";\nmessage Wallet { Money cash = 1; }\n';
    const bytes = protoWriter(main, { 'money.proto': MONEY })('common.v1.Wallet', { cash: { units: '5' } });
    expect(protobufReader(main, refs).read(bytes)).toEqual({ cash: { currency_code: '', units: 5 } });
    expect(() => protobufReader(main, refs).read(Buffer.concat([indexBytes([1]), Buffer.alloc(0)]))).toThrow('point at no message');
  });

  it('refuses a schema that is not .proto text, and an import that is not among the references', () => {
    expect(() => protobufReader('message {', new Map())).toThrow(/^the schema is not a Protobuf schema: /);
    expect(() => protobufReader(MAIN, new Map([['common/address.proto', COMMON]]))).toThrow('the Protobuf schema imports money.proto, which is not among its references');
    expect(() => protobufReader('syntax = "proto3"; message A { Missing m = 1; }', new Map())).toThrow(/^the Protobuf schema cannot be used: /);
  });
});
