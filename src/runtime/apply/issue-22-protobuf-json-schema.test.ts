/**
 * Issue 22: Protobuf and JSON Schema as value and key formats, from a spec through the registry
 * client (fake transport, the real readers) to row changes. A Protobuf schema's import is fetched
 * as a reference and handed to the reader by its import name; a record whose schema id is another
 * type's schema is a dead letter, never read by the wrong decoder.
 */
import { describe, expect, it } from 'vitest';
import { preparedRows } from '../../../test/helpers/prepared-rows.js';
import { protoWriter } from '../../../test/helpers/protobuf-writer.js';
import type { Plan } from '../../compile/plan.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import type { RegistryAnswer } from '../registry/http.js';
import { SchemaRegistry } from '../registry/registry.js';
import type { RawMessage } from './message.js';
import { groupRoutes } from './routes.js';

const SPEC = `
projection: things
group: g
topics: [things]
formats: { value: protobuf, key: json-schema }
tables:
  things:
    key: [id]
    columns:
      id: { type: string, length: 40 }
      qty: { type: bigint }
      amount: { type: string, length: 40 }
      at: { type: datetime }
on:
  thing.created:
    - insert: things
      set: { id: $key.id, qty: $.qty, amount: $.money.units, at: $.at }
`;

const COMMON = 'syntax = "proto3";\npackage shared;\nmessage Money { string currency = 1; int64 units = 2; }\n';
const THING = `syntax = "proto3";
package things;
import "shared/money.proto";
import "google/protobuf/timestamp.proto";
message Other { string x = 1; }
message Thing { string event_id = 1; string event_type = 2; int64 qty = 3; shared.Money money = 4; google.protobuf.Timestamp at = 5; }
`;
const KEY = JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } });
const AVRO = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] });

const answer = (body: unknown): RegistryAnswer => ({ status: 200, body: JSON.stringify(body) });
const ANSWERS: Record<string, RegistryAnswer> = {
  '/schemas/ids/1': answer({ schema: THING, schemaType: 'PROTOBUF', references: [{ name: 'shared/money.proto', subject: 'money', version: 1 }] }),
  '/subjects/money/versions/1': answer({ schema: COMMON, schemaType: 'PROTOBUF', subject: 'money', version: 1, id: 9 }),
  '/schemas/ids/2': answer({ schema: KEY, schemaType: 'JSON' }),
  '/schemas/ids/3': answer({ schema: AVRO }),
};

function registry(): { r: SchemaRegistry; asked: string[] } {
  const asked: string[] = [];
  const r = new SchemaRegistry({
    display: 'http://registry', log: silentLogger,
    transport: (path) => {
      asked.push(path);
      return Promise.resolve(ANSWERS[path] ?? { status: 404, body: JSON.stringify({ error_code: 40403 }) });
    },
  });
  return { r, asked };
}

const frame = (id: number, data: Buffer): Buffer => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, data]);
};
const write = protoWriter(THING, { 'shared/money.proto': COMMON });
const thing = (id: string, qty: string): Buffer =>
  frame(1, write('things.Thing', { event_id: `e-${id}`, event_type: 'thing.created', qty, money: { currency: 'EUR', units: '9007199254740993' }, at: { seconds: 1_700_000_000, nanos: 123_000_000 } }, [1]));
const key = (id: string): Buffer => frame(2, Buffer.from(JSON.stringify({ id })));

let offset = 0;
const msg = (k: Buffer, v: Buffer): RawMessage => ({ topic: 'things', partition: 0, offset: offset++, key: k, value: v });

async function prepare(spec: string, source: SchemaRegistry, messages: RawMessage[]) {
  const v = validateLoaded(parseSpecText('spec.yaml', spec));
  expect(v.diagnostics).toEqual([]);
  const routes = groupRoutes(v.plan as Plan, 'g', () => source);
  return preparedRows(routes, messages);
}

describe('issue 22: Protobuf values and JSON Schema keys through the registry', () => {
  it('decodes the second message of a file, its import fetched as a reference, keys by JSON Schema', async () => {
    const { r, asked } = registry();
    const { rows, reasons } = await prepare(SPEC, r, [msg(key('a'), thing('a', '9007199254740995')), msg(key('b'), thing('b', '7'))]);
    expect(reasons).toEqual([]);
    expect(asked).toEqual(['/schemas/ids/2', '/schemas/ids/1', '/subjects/money/versions/1']);
    expect(rows.map((x) => [x.id, String(x.qty), x.amount, x.at])).toEqual([
      ['a', '9007199254740995', '9007199254740993', '2023-11-14 22:13:20.123'],
      ['b', '7', '9007199254740993', '2023-11-14 22:13:20.123'],
    ]);
  });

  it("dead-letters a record whose schema id is another type's schema, whichever format reads it", async () => {
    const { r } = registry();
    const { rows, reasons } = await prepare(SPEC, r, [msg(key('a'), frame(3, Buffer.from([2, 'x'.charCodeAt(0)]))), msg(frame(1, Buffer.from([0])), thing('b', '1')), msg(key('c'), frame(2, Buffer.from('{}')))]);
    expect(rows).toEqual([]);
    expect(reasons).toEqual([
      'value: schema id 3 is an Avro schema, but formats.value is protobuf',
      'key: schema id 1 is a Protobuf schema, but formats.key is json-schema',
      'value: schema id 2 is a JSON Schema, but formats.value is protobuf',
    ]);
    const json = await prepare(SPEC.replace('value: protobuf', 'value: json-schema'), r, [msg(key('d'), frame(2, Buffer.from('{"event_id":"e-d","event_type":"thing.created","qty":1234567890123456789,"money":{"units":"1"},"at":"2023-11-14T22:13:20Z"}')))]);
    expect(json.reasons).toEqual([]);
    expect(String(json.rows[0]?.qty)).toBe('1234567890123456789');
  });

  it('validates: both formats are known, $key.<field> reads their keys, an unknown format is E_ENUM', () => {
    const codes = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => d.code);
    expect(codes(SPEC)).toEqual([]);
    expect(codes(SPEC.replace('key: json-schema', 'key: protobuf'))).toEqual([]);
    expect(codes(SPEC.replace('value: protobuf', 'value: thrift'))).toEqual(['E_ENUM']);
  });
});
