/**
 * Avro bodies read into JSON-looking values (issue 22): exact decimals and longs, datetimes as ISO
 * text, unions as their value, bytes as base64, records as plain objects. The records are written
 * by avsc without the logical types, as any producer's bytes are: the underlying values.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { ExactNumber } from '../../../compile/exact-number.js';
import { avroReader, decimalText } from './avro.js';

const schema = {
  type: 'record', name: 'Order', namespace: 'shop', fields: [
    { name: 'id', type: 'string' },
    { name: 'n', type: { type: 'long' } },
    { name: 'big', type: 'long' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'debt', type: { type: 'fixed', name: 'Money', size: 8, logicalType: 'decimal', precision: 18, scale: 3 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'atUs', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'raw', type: 'bytes' },
    { name: 'kind', type: { type: 'enum', name: 'Kind', symbols: ['A', 'B'] } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'blobs', type: { type: 'map', values: 'bytes' } },
    { name: 'line', type: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }, { name: 'img', type: ['null', 'bytes'] }] } },
    { name: 'party', type: [{ type: 'record', name: 'Person', fields: [{ name: 'name', type: 'string' }] }, { type: 'record', name: 'Company', fields: [{ name: 'vat', type: 'string' }] }] },
  ],
};

/** Bytes as a producer writes them: the underlying types, without avsc's logical types. */
const BIG_LONG = avro.types.LongType.__with({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint | number) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt(n)); return b; },
  fromJSON: BigInt, toJSON: Number, isValid: (n: unknown) => typeof n === 'bigint' || Number.isInteger(n), compare: () => 0,
});
/** The schema without its logical types: what the bytes hold underneath. */
const underlying = (x: unknown): unknown => {
  if (Array.isArray(x)) return x.map(underlying);
  if (x === null || typeof x !== 'object') return x;
  const o = Object.fromEntries(Object.entries(x).filter(([k]) => k !== 'logicalType').map(([k, v]) => [k, underlying(v)]));
  return !('name' in o) && o.type === 'long' ? 'long' : o;
};
const writer = avro.Type.forSchema(underlying(schema) as avro.Schema, { wrapUnions: 'auto', registry: { long: BIG_LONG } as Record<string, avro.Type> });
const be = (n: bigint, size: number): Buffer => Buffer.from((n < 0n ? (1n << BigInt(size * 8)) + n : n).toString(16).padStart(size * 2, '0'), 'hex');

describe('decimalText', () => {
  it('reads the unscaled two\'s-complement integer with its scale', () => {
    expect(decimalText(Buffer.from([0x00, 0xff]), 2)).toBe('2.55');
    expect(decimalText(Buffer.from([0xff, 0x01]), 2)).toBe('-2.55');
    expect(decimalText(Buffer.from([0x05]), 3)).toBe('0.005');
    expect(decimalText(Buffer.from([0x7b]), 0)).toBe('123');
    expect(decimalText(Buffer.alloc(0), 2)).toBe('0.00');
  });
});

describe('avroReader', () => {
  it('reads every kind of field as the same event\'s JSON would look', () => {
    const bytes = writer.toBuffer({
      id: 'o-1', n: 42n, big: 2n ** 60n, price: Buffer.from([0x00, 0xff]), debt: be(-1234567n, 8),
      at: 1_700_000_000_123n, atUs: 1_700_000_000_123_456n, day: 19_675, note: 'hi',
      raw: Buffer.from('bin'), kind: 'B', tags: ['x', 'y'], blobs: { a: Buffer.from([1, 2]) },
      line: { sku: 'S1', img: Buffer.from('png') }, party: { 'shop.Company': { vat: 'DE1' } },
    });
    const v = avroReader(JSON.stringify(schema)).read(bytes) as Record<string, unknown>;
    expect(v).toEqual({
      id: 'o-1', n: 42, big: new ExactNumber('1152921504606846976'), price: new ExactNumber('2.55'), debt: new ExactNumber('-1234.567'),
      at: '2023-11-14T22:13:20.123Z', atUs: '2023-11-14T22:13:20.123456Z', day: '2023-11-14', note: 'hi',
      raw: Buffer.from('bin').toString('base64'), kind: 'B', tags: ['x', 'y'], blobs: { a: 'AQI=' },
      line: { sku: 'S1', img: Buffer.from('png').toString('base64') }, party: { vat: 'DE1' },
    });
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect((v.big as ExactNumber).text).toBe('1152921504606846976');
  });

  it('keeps null branches and exact longs as numbers while they are exact', () => {
    const bytes = writer.toBuffer({
      id: 'o-2', n: -7n, big: BigInt(Number.MAX_SAFE_INTEGER), price: Buffer.from([0x01]), debt: be(0n, 8), at: 0n, atUs: 0n, day: 0, note: null,
      raw: Buffer.alloc(0), kind: 'A', tags: [], blobs: {}, line: { sku: 'S2', img: null }, party: { 'shop.Person': { name: 'Ann' } },
    });
    const v = avroReader(JSON.stringify(schema)).read(bytes) as Record<string, unknown>;
    expect(v).toMatchObject({ n: -7, big: Number.MAX_SAFE_INTEGER, price: new ExactNumber('0.01'), at: '1970-01-01T00:00:00.000Z', atUs: '1970-01-01T00:00:00.000000Z', day: '1970-01-01', note: null, raw: '', line: { sku: 'S2', img: null }, party: { name: 'Ann' } });
  });

  it('throws on bytes that are not a record of the schema', () => {
    expect(() => avroReader(JSON.stringify(schema)).read(Buffer.from([0x02, 0x41]))).toThrow();
  });
});

describe('isoUtc', () => {
  it("is Date's toISOString for any millisecond of years 0000 to 9999, and beyond", async () => {
    const fc = (await import('fast-check')).default;
    const { isoUtc } = await import('./avro.js');
    fc.assert(fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => isoUtc(ms) === new Date(ms).toISOString()), { numRuns: 20_000 });
    for (const ms of [0, -1, 951_782_400_000, 4_107_542_400_000, -62_167_219_200_001, 253_402_300_800_000]) expect(isoUtc(ms)).toBe(new Date(ms).toISOString());
  });
});
