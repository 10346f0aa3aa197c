/**
 * The JSON Schema reader (issue 22): records parsed exactly as `json` keys and values are (numbers
 * JSON.parse would round kept as written), schemas that are not JSON Schema refused when the
 * reader is built, references resolved by name, and validation only when asked for.
 */
import { describe, expect, it } from 'vitest';
import { ExactNumber } from '../../../compile/exact-number.js';
import { parseJson } from './json.js';
import { jsonSchemaReader, jsonSchemaReaderValidating } from './json-schema.js';

const SCHEMA = JSON.stringify({
  $schema: 'http://json-schema.org/draft-07/schema#', title: 'Event', type: 'object',
  properties: { id: { type: 'integer' }, name: { type: 'string' }, price: { type: 'number' }, tags: { type: 'array', items: { type: 'string' } } },
  required: ['id'], 'connect.type': 'struct',
});
const none = new Map<string, string>();
const bytes = (text: string): Buffer => Buffer.from(text, 'utf8');

describe('jsonSchemaReader: the record', () => {
  it('reads JSON text as the json format does, numbers past a double kept as written', () => {
    const text = '{"id": 12345678901234567890, "name": "a", "price": 1.10000000000000000001, "tags": ["x"], "extra": {"n": 1e-400}}';
    const v = jsonSchemaReader(SCHEMA, none).read(bytes(text));
    expect(v).toEqual({ id: new ExactNumber('12345678901234567890'), name: 'a', price: new ExactNumber('1.10000000000000000001'), tags: ['x'], extra: { n: new ExactNumber('1e-400') } });
    // The very parse `json` keys use: one parser, the same values.
    expect(v).toEqual((parseJson(bytes(text), 'key') as { value: unknown }).value);
    expect(jsonSchemaReader(SCHEMA, none).read(bytes('{"id": 7, "price": 0.5}'))).toEqual({ id: 7, price: 0.5 });
  });

  it('refuses what is not JSON or not UTF-8, with the reason', () => {
    expect(() => jsonSchemaReader(SCHEMA, none).read(bytes('{"id": '))).toThrow(/^the record is not JSON: /);
    expect(() => jsonSchemaReader(SCHEMA, none).read(Buffer.from([0x7b, 0xc3, 0x28, 0x7d]))).toThrow('the record is not valid UTF-8');
  });

  it('does not validate the record by default (as Confluent\'s deserializer)', () => {
    expect(jsonSchemaReader(SCHEMA, none).read(bytes('{"name": 5}'))).toEqual({ name: 5 });
  });
});

describe('jsonSchemaReaderValidating', () => {
  it('refuses a record that does not match its schema, with ajv\'s reasons', () => {
    const r = jsonSchemaReaderValidating(SCHEMA, none);
    expect(() => r.read(bytes('{"name": 5}'))).toThrow("the record does not match its JSON Schema: record must have required property 'id', record/name must be string");
    expect(r.read(bytes('{"id": 1, "name": "n"}'))).toEqual({ id: 1, name: 'n' });
  });

  it('accepts numbers a double cannot hold where the schema wants a number, keeping them exact', () => {
    expect(jsonSchemaReaderValidating(SCHEMA, none).read(bytes('{"id": 12345678901234567890}'))).toEqual({ id: new ExactNumber('12345678901234567890') });
    expect(() => jsonSchemaReaderValidating(SCHEMA, none).read(bytes('{"id": 12345678901234567890, "name": 1}'))).toThrow('record/name must be string');
  });
});

describe('jsonSchemaReader: the schema', () => {
  it('refuses a schema that is not JSON, not a JSON Schema, or of a draft it does not read', () => {
    expect(() => jsonSchemaReader('{', none)).toThrow(/^the JSON Schema is not JSON: /);
    expect(() => jsonSchemaReader('{"type": "objekt"}', none)).toThrow(/^the JSON Schema cannot be used: schema is invalid: data\/type must be equal to one of the allowed values/);
    expect(() => jsonSchemaReader('{"$schema": "http://json-schema.org/draft-04/schema#"}', none)).toThrow('is not a draft sc-project reads');
  });

  it('reads drafts 06, 07, 2019-09 and 2020-12 (by $schema)', () => {
    for (const draft of ['http://json-schema.org/draft-06/schema#', 'http://json-schema.org/draft-07/schema', 'https://json-schema.org/draft/2019-09/schema', 'https://json-schema.org/draft/2020-12/schema']) {
      const r = jsonSchemaReaderValidating(JSON.stringify({ $schema: draft, type: 'object', properties: { a: { type: 'integer' } } }), none);
      expect(r.read(bytes('{"a": 1}'))).toEqual({ a: 1 });
      expect(() => r.read(bytes('{"a": "x"}'))).toThrow('record/a must be integer');
    }
  });

  it('resolves $ref from the references by name, and refuses a $ref that finds nothing', () => {
    const address = JSON.stringify({ $id: 'address.json', type: 'object', properties: { city: { type: 'string' } }, required: ['city'] });
    const schema = JSON.stringify({ type: 'object', properties: { to: { $ref: 'address.json' } } });
    const r = jsonSchemaReaderValidating(schema, new Map([['address.json', address]]));
    expect(r.read(bytes('{"to": {"city": "Oslo"}}'))).toEqual({ to: { city: 'Oslo' } });
    expect(() => r.read(bytes('{"to": {}}'))).toThrow("record/to must have required property 'city'");
    expect(() => jsonSchemaReader(schema, none)).toThrow(/^the JSON Schema cannot be used: can't resolve reference address.json/);
  });
});
