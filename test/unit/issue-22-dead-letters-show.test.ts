/**
 * Issue 22: `dead-letters show` of a record in a registry format decodes its value with its schema
 * (from --schemas DIR or the registry) beside the raw bytes, numbers a double cannot hold exact;
 * a registry that does not answer is said so once, and the bytes are still shown.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showCommand } from '../../src/cli/dead-letters.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { createRuntime } from '../../src/runtime/runtime.js';

const VALUE = { type: 'record', name: 'Thing', fields: [{ name: 'event_id', type: 'string' }, { name: 'event_type', type: 'string' }, { name: 'id', type: 'string' }, { name: 'n', type: 'long' }] };
const SPEC = `projection: things
group: g
topics: [things]
formats: { value: avro }
tables:
  things:
    key: [id]
    columns: { id: { type: string, length: 8 }, n: { type: bigint } }
on:
  thing.set:
    - insert: things
      set: { id: $.id, n: $.n }
`;

let dir = '';
let id = '';
let raw = '';
const options = (o: { format?: string; schemas?: string } = {}) => ({ config: [join(dir, 'things.yaml')], databaseUrl: `sqlite:${join(dir, 'out.db')}`, format: o.format ?? 'text', ...(o.schemas !== undefined ? { schemas: o.schemas } : {}) });
const saved = process.env.SCHEMA_REGISTRY_URL;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-show-'));
  writeFileSync(join(dir, 'things.yaml'), SPEC);
  mkdirSync(join(dir, 'none'));
  mkdirSync(join(dir, 'schemas'));
  writeFileSync(join(dir, 'schemas', '43.avsc'), JSON.stringify(VALUE));
  const type = avro.Type.forSchema(VALUE as avro.Schema);
  const body = type.toBuffer({ event_id: 'e-1', event_type: 'thing.set', id: 'a', n: 7 });
  const value = Buffer.concat([Buffer.from([0, 0, 0, 0, 43]), body]);
  raw = value.toString('base64');
  writeFileSync(join(dir, 'in.ndjson'), `${JSON.stringify({ topic: 'things', value_b64: raw })}\n`);
  // Schema 43 is not among the run's files: the record is a dead letter.
  const rt = await createRuntime({ config: join(dir, 'things.yaml'), databaseUrl: `sqlite:${join(dir, 'out.db')}`, from: join(dir, 'in.ndjson'), schemasDir: join(dir, 'none'), logger: silentLogger, statsInterval: 0, progress: false });
  await rt.start();
  await rt.done;
  const d = new Database(join(dir, 'out.db'), { readonly: true });
  id = (d.prepare('SELECT dlq_id FROM sc_dead_letters').get() as { dlq_id: string }).dlq_id;
  d.close();
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (saved !== undefined) process.env.SCHEMA_REGISTRY_URL = saved;
});

describe('issue 22: dead-letters show decodes registry formats', () => {
  it('shows the value decoded with the schema of --schemas DIR beside the raw bytes, in text and JSON', async () => {
    const text = await showCommand(id, options({ schemas: join(dir, 'schemas') }));
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`value (base64, not JSON text):\n${raw}\n`);
    expect(text.stdout).toContain('value decoded (avro, schema id 43):\n{\n  "event_id": "e-1",\n  "event_type": "thing.set",\n  "id": "a",\n  "n": 7\n}\n');
    const json = await showCommand(id, options({ schemas: join(dir, 'schemas'), format: 'json' }));
    expect(JSON.parse(json.stdout)).toMatchObject({ value: { base64: raw }, value_decoded: { format: 'avro', schemaId: 43, value: { event_id: 'e-1', n: 7 } } });
  });

  it('says the registry does not answer (and still prints the bytes), or that none is configured', async () => {
    process.env.SCHEMA_REGISTRY_URL = 'http://127.0.0.1:1/apis/ccompat/v7';
    const down = await showCommand(id, options());
    expect(down.code).toBe(0);
    expect(down.stdout).toContain(raw);
    expect(down.stdout).toMatch(/value \(avro, schema id 43\): not decoded: the schema registry does not answer \(.*ECONNREFUSED.*\)\n/u);
    delete process.env.SCHEMA_REGISTRY_URL;
    const none = await showCommand(id, options());
    expect(none.stdout).toContain('value (avro): not decoded: a registry format (avro, protobuf, json-schema) needs a schema registry');
  });
});
