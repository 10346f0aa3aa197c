/**
 * Issue 22: Avro values and keys in the registry wire format, from a spec through the routes to
 * row changes. The schemas a batch names are fetched before it is decoded (routes.prefetch);
 * bytes not in the wire format, an id the registry does not know and data that does not decode
 * are dead letters with the reason; values of two versions of one subject both apply.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { preparedRows } from '../../../test/helpers/prepared-rows.js';
import type { Plan } from '../../compile/plan.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { avroFactory } from './formats/avro.js';
import type { SchemaLookup, SchemaSource } from './formats/index.js';
import type { RawMessage } from './message.js';
import { groupRoutes, type GroupRoutes } from './routes.js';

const SPEC = `
projection: things
group: g
topics: [things]
formats: { value: avro, key: avro }
tables:
  things:
    key: [id]
    columns:
      id: { type: string, length: 40 }
      price: { type: decimal, precision: 12, scale: 2 }
      at: { type: datetime }
      day: { type: string, length: 10 }
      note: { type: string, length: 40, nullable: true }
      sku: { type: string, length: 40 }
      extra: { type: string, length: 40, nullable: true }
on:
  thing.created:
    - insert: things
      set: { id: $key.id, price: $.price, at: $.at, day: $.day, note: $.note, sku: $.line.sku, extra: { path: $.extra, default: null } }
`;

const V1 = {
  type: 'record', name: 'Thing', fields: [
    { name: 'event_id', type: 'string' }, { name: 'event_type', type: 'string' }, { name: 'entity_id', type: 'string' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'line', type: { type: 'record', name: 'Line', fields: [{ name: 'sku', type: 'string' }] } },
  ],
};
const V2 = { ...V1, fields: [...V1.fields, { name: 'extra', type: ['null', 'string'], default: null }] };
const KEY = { type: 'record', name: 'Key', fields: [{ name: 'id', type: 'string' }] };
const SCHEMAS: Record<number, unknown> = { 1: V1, 2: V2, 3: KEY };
const types = new Map(Object.entries(SCHEMAS).map(([id, s]) => [Number(id), avro.Type.forSchema(s as avro.Schema)]));

const wire = (id: number, v: unknown): Buffer => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, (types.get(id) as avro.Type).toBuffer(v)]);
};
const decimal = (cents: number): Buffer => Buffer.from([cents >> 8, cents & 0xff]);
const thing = (id: string, extra?: string) => ({
  event_id: `e-${id}`, event_type: 'thing.created', entity_id: id, price: decimal(1999), at: 1_700_000_000_123, day: 19_700, note: id === 'a' ? null : 'n',
  line: { sku: `sku-${id}` }, ...(extra !== undefined ? { extra } : {}),
});

/** A registry in memory: ids 1–3 known, every other id unknown; records what was fetched. */
function fakeSource(): SchemaSource & { fetched: number[][] } {
  const known = new Map<number, SchemaLookup>();
  const fetched: number[][] = [];
  return {
    fetched,
    lookup: (id) => known.get(id),
    async fetch(ids) {
      fetched.push(ids);
      for (const id of ids) {
        const s = SCHEMAS[id];
        if (id === 5) known.set(id, { reader: { read: () => ({}) }, schemaType: 'PROTOBUF' });
        else known.set(id, s === undefined ? { reason: `schema id ${id} is not in the schema registry` } : { reader: avroFactory(JSON.stringify(s), new Map()), schemaType: 'AVRO' });
      }
    },
  };
}

function routesOf(source: SchemaSource): GroupRoutes {
  const v = validateLoaded(parseSpecText('spec.yaml', SPEC));
  expect(v.diagnostics).toEqual([]);
  return groupRoutes(v.plan as Plan, 'g', () => source);
}

let offset = 0;
const msg = (key: Buffer | null, value: Buffer | null): RawMessage => ({ topic: 'things', partition: 0, offset: offset++, key, value });

const prepare = preparedRows;

describe('issue 22: Avro values and keys', () => {
  it('fetches the ids a batch names once, then decodes values and keys into rows like JSON', async () => {
    const source = fakeSource();
    const routes = routesOf(source);
    const { rows, reasons } = await prepare(routes, [msg(wire(3, { id: 'a' }), wire(1, thing('a'))), msg(wire(3, { id: 'b' }), wire(1, thing('b')))]);
    expect(reasons).toEqual([]);
    expect(source.fetched).toEqual([[3, 1]]);
    expect(rows[0]).toMatchObject({ id: 'a', price: '19.99', at: '2023-11-14 22:13:20.123', day: '2023-12-09', note: null, sku: 'sku-a', extra: null });
    expect(rows[1]).toMatchObject({ id: 'b', note: 'n' });
    await routes.prefetch?.([msg(wire(3, { id: 'c' }), wire(1, thing('c')))], {});
    expect(source.fetched).toHaveLength(1);
    // An answer the source calls stale is asked for again before the next batch.
    source.stale = (id) => id === 1;
    await routes.prefetch?.([msg(wire(3, { id: 'c' }), wire(1, thing('c')))], {});
    expect(source.fetched).toEqual([[3, 1], [1]]);
  });

  it('applies values written with v1 and v2 of one subject, interleaved', async () => {
    const routes = routesOf(fakeSource());
    const { rows, reasons } = await prepare(routes, [msg(wire(3, { id: 'a' }), wire(1, thing('a'))), msg(wire(3, { id: 'b' }), wire(2, thing('b', 'x'))), msg(wire(3, { id: 'c' }), wire(1, thing('c')))]);
    expect(reasons).toEqual([]);
    expect(rows.map((r) => [r.id, r.extra])).toEqual([['a', null], ['b', 'x'], ['c', null]]);
  });

  it('dead-letters bytes not in the wire format, an unknown id and data that does not decode, with the reason', async () => {
    const source = fakeSource();
    const routes = routesOf(source);
    const key = wire(3, { id: 'k' });
    const { rows, reasons } = await prepare(routes, [
      msg(key, Buffer.from('{"event_type":"thing.created"}')),
      msg(key, Buffer.from([0, 0, 0])),
      msg(key, wire(1, thing('a')).subarray(0, 12)),
      msg(key, Buffer.concat([Buffer.from([0, 0, 0, 0, 99]), Buffer.from('x')])),
      msg(Buffer.from('not framed'), wire(1, thing('a'))),
      msg(key, Buffer.from([0, 0, 0, 0, 5, 8, 1])),
    ]);
    expect(rows).toEqual([]);
    expect(reasons).toEqual([
      'value is not the schema registry wire format: the first byte is 0x7b, not the magic byte 0x00',
      'value is not the schema registry wire format: 3 byte(s), fewer than the 5-byte header',
      expect.stringMatching(/^value does not decode with schema id 1: /u),
      'value: schema id 99 is not in the schema registry',
      'key is not the schema registry wire format: the first byte is 0x6e, not the magic byte 0x00',
      'value: schema id 5 is a Protobuf schema, but formats.value is avro',
    ]);
    expect(source.fetched).toEqual([[3, 1, 99, 5]]);
  });

  it('needs a registry only for a group that reads a registry format, and says what to set', () => {
    const v = validateLoaded(parseSpecText('spec.yaml', SPEC));
    expect(() => groupRoutes(v.plan as Plan, 'g')).toThrow(/needs a schema registry: set SCHEMA_REGISTRY_URL/u);
    const json = validateLoaded(parseSpecText('spec.yaml', SPEC.replace('formats: { value: avro, key: avro }', '').replace('$key.id', '$.entity_id')));
    expect(json.diagnostics).toEqual([]);
    expect(groupRoutes(json.plan as Plan, 'g').prefetch).toBeUndefined();
  });

  it('validates: $key.<field> under an avro key, one value format per group, and the formats it knows', () => {
    const codes = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.code} ${d.message}`);
    const other = SPEC.replace('projection: things', 'projection: others').replace('  things:\n', '  others:\n').replace('insert: things', 'insert: others').replace('value: avro, ', '');
    expect(codes(`${SPEC}\n---\n${other}`)).toEqual([expect.stringMatching(/^E_GROUP_CONFLICT projections of group g must read the value in one format \(its messages are decoded once\); things \(inline.yaml:2:\d+\) reads it as avro$/u)]);
    expect(codes(SPEC.replace('value: avro', 'value: thrift')).map((c) => c.split(' ')[0])).toEqual(['E_ENUM']);
  });
});
