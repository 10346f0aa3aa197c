/**
 * Issue 22 step 3: wire-format records replayed without a schema registry. NDJSON lines carry the
 * Avro bytes as key_b64 / value_b64; the schemas are files: `run --from … --schemas DIR` of
 * `<id>.avsc` files, and a fixture's `schemas:` map (id → file) for `sc-project test`. An id with
 * no file is a dead letter with the reason, as an id the registry does not know.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { testCommand } from '../../src/cli/test.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { rebuild } from '../../src/runtime/rebuild/rebuild.js';
import { createRuntime } from '../../src/runtime/runtime.js';

const VALUE = { type: 'record', name: 'Thing', fields: [{ name: 'event_id', type: 'string' }, { name: 'event_type', type: 'string' }, { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 8, scale: 2 } }, { name: 'at', type: { type: 'long', logicalType: 'timestamp-millis' } }] };
const KEY = { type: 'record', name: 'Key', fields: [{ name: 'id', type: 'string' }] };
const SPEC = `projection: things
group: g
topics: [things]
formats: { value: avro, key: avro }
tables:
  things:
    key: [id]
    columns: { id: { type: string, length: 8 }, price: { type: decimal, precision: 8, scale: 2 }, at: { type: datetime } }
on:
  thing.set:
    - insert: things
      set: { id: $key.id, price: $.price, at: $.at }
      on_conflict: update
`;

const wire = (id: number, schema: unknown, v: unknown): string => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, avro.Type.forSchema(schema as avro.Schema).toBuffer(v)]).toString('base64');
};
const record = (id: string, seq: number, valueId = 41) => ({
  topic: 'things', key_b64: wire(42, KEY, { id }), value_b64: wire(valueId, VALUE, { event_id: `e${seq}`, event_type: 'thing.set', price: Buffer.from([0x04, 0xd2]), at: 1_700_000_000_000 + seq }),
});

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function setup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-offline-avro-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'things.yaml'), SPEC);
  return dir;
}

describe('issue 22: Avro records offline, schemas as files', () => {
  it('run --from and rebuild --from with --schemas DIR apply wire-format lines and dead-letter an id with no file', async () => {
    const dir = setup();
    const schemas = join(dir, 'schemas');
    mkdirSync(schemas);
    writeFileSync(join(schemas, '41.avsc'), JSON.stringify(VALUE));
    writeFileSync(join(schemas, '42.avsc'), JSON.stringify(KEY));
    writeFileSync(join(dir, 'in.ndjson'), [record('a', 1), record('b', 2), record('a', 3), record('c', 4, 43)].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const db = join(dir, 'out.db');
    const rt = await createRuntime({ config: join(dir, 'things.yaml'), databaseUrl: `sqlite:${db}`, from: join(dir, 'in.ndjson'), schemasDir: schemas, logger: silentLogger, statsInterval: 0, progress: false });
    await rt.start();
    const summary = await rt.done;
    expect(summary.groups.g).toMatchObject({ applied: 3, deadLettered: 1 });
    const d = new Database(db, { readonly: true });
    try {
      expect(d.prepare('SELECT id, price, at FROM things ORDER BY id').all()).toEqual([{ id: 'a', price: 12.34, at: '2023-11-14 22:13:20.003' }, { id: 'b', price: 12.34, at: '2023-11-14 22:13:20.002' }]);
      expect(d.prepare('SELECT reason FROM sc_dead_letters').all()).toEqual([{ reason: `value: schema id 43 is not among the schema files of ${schemas}` }]);
    } finally {
      d.close();
    }
    // rebuild --from with --schemas builds the same table from the same lines, offline too.
    const report = await rebuild({ config: join(dir, 'things.yaml'), projections: ['things'], databaseUrl: `sqlite:${db}`, from: join(dir, 'in.ndjson'), schemasDir: schemas, logger: silentLogger, dropOld: true });
    expect(report).toMatchObject({ applied: 3, deadLettered: 1 });
    const again = new Database(db, { readonly: true });
    try {
      expect(again.prepare('SELECT id, price FROM things ORDER BY id').all()).toEqual([{ id: 'a', price: 12.34 }, { id: 'b', price: 12.34 }]);
    } finally {
      again.close();
    }
  });

  it('sc-project test replays Avro records with the fixture\'s schemas: map, without a registry', async () => {
    const dir = setup();
    writeFileSync(join(dir, 'value.avsc'), JSON.stringify(VALUE));
    writeFileSync(join(dir, 'key.avsc'), JSON.stringify(KEY));
    const given = [record('a', 1), record('b', 2), record('a', 3)];
    writeFileSync(join(dir, 'things.test.yaml'), `schemas: { "41": value.avsc, "42": key.avsc }\ntests:\n  - name: avro\n    given: ${JSON.stringify(given)}\n    expect:\n      things:\n        - { id: a, price: "12.34" }\n        - { id: b, price: "12.34" }\n  - name: unknown id\n    given: ${JSON.stringify([record('x', 9, 7)])}\n    dead_letters: 1\n    expect: { things: [] }\n`);
    const r = await testCommand({ config: [join(dir, 'things.yaml')], fixtures: [join(dir, 'things.test.yaml')] });
    expect(r.stdout).toContain('2 passed');
    expect(r.code).toBe(0);
  });
});
