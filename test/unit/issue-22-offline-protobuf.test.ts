/**
 * Issue 22: Protobuf and JSON Schema records replayed without a schema registry. The schema file's
 * extension is its type (`<id>.proto`, `<id>.json`, `<id>.avsc`); a .proto's imports are read from
 * files by import path, relative to it (`--schemas DIR`, or beside a fixture); two files for one id
 * are a dead letter's reason, not a guess.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { testCommand } from '../../src/cli/test.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { protoWriter } from '../helpers/protobuf-writer.js';

const SPEC = `projection: things
group: g
topics: [things]
formats: { value: protobuf, key: json-schema }
tables:
  things:
    key: [id]
    columns: { id: { type: string, length: 8 }, units: { type: bigint }, at: { type: datetime } }
on:
  thing.set:
    - insert: things
      set: { id: $key.id, units: $.money.units, at: $.at }
      on_conflict: update
`;
const MONEY = 'syntax = "proto3";\npackage shared;\nmessage Money { string currency = 1; int64 units = 2; }\n';
const THING = 'syntax = "proto3";\nimport "shared/money.proto";\nimport "google/protobuf/timestamp.proto";\nmessage Thing { string event_id = 1; string event_type = 2; shared.Money money = 3; google.protobuf.Timestamp at = 4; }\n';
const KEY = JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } });

const write = protoWriter(THING, { 'shared/money.proto': MONEY });
const frame = (id: number, data: Buffer): string => {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(id, 1);
  return Buffer.concat([head, data]).toString('base64');
};
const record = (id: string, seq: number, valueId = 41) => ({
  topic: 'things',
  key_b64: frame(42, Buffer.from(JSON.stringify({ id }))),
  value_b64: frame(valueId, write('Thing', { event_id: `e${seq}`, event_type: 'thing.set', money: { units: `900719925474099${seq}` }, at: { seconds: 1_700_000_000 + seq } })),
});

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
function setup(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sc-offline-proto-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'things.yaml'), SPEC);
  return dir;
}

describe('issue 22: Protobuf and JSON Schema records offline, schemas as files', () => {
  it('run --from --schemas DIR reads N.proto (its import from DIR by path) and N.json; two files for one id are a dead letter', async () => {
    const dir = setup();
    const schemas = join(dir, 'schemas');
    mkdirSync(join(schemas, 'shared'), { recursive: true });
    writeFileSync(join(schemas, '41.proto'), THING);
    writeFileSync(join(schemas, 'shared', 'money.proto'), MONEY);
    writeFileSync(join(schemas, '42.json'), KEY);
    writeFileSync(join(schemas, '43.proto'), THING);
    writeFileSync(join(schemas, '43.avsc'), '"string"');
    writeFileSync(join(dir, 'in.ndjson'), [record('a', 1), record('b', 2), record('a', 3), record('c', 4, 43)].map((l) => JSON.stringify(l)).join('\n') + '\n');
    const db = join(dir, 'out.db');
    const rt = await createRuntime({ config: join(dir, 'things.yaml'), databaseUrl: `sqlite:${db}`, from: join(dir, 'in.ndjson'), schemasDir: schemas, logger: silentLogger, statsInterval: 0, progress: false });
    await rt.start();
    const summary = await rt.done;
    expect(summary.groups.g).toMatchObject({ applied: 3, deadLettered: 1 });
    const d = new Database(db, { readonly: true });
    try {
      expect(d.prepare('SELECT id, CAST(units AS TEXT) AS units, at FROM things ORDER BY id').all()).toEqual([
        { id: 'a', units: '9007199254740993', at: '2023-11-14 22:13:23.000' },
        { id: 'b', units: '9007199254740992', at: '2023-11-14 22:13:22.000' },
      ]);
      expect(d.prepare('SELECT reason FROM sc_dead_letters').all()).toEqual([{ reason: `value: schema id 43 has more than one file in ${schemas} (${join(schemas, '43.avsc')}, ${join(schemas, '43.proto')}): keep one` }]);
    } finally {
      d.close();
    }
  });

  it("sc-project test replays them with the fixture's schemas: map, the .proto's import read beside it", async () => {
    const dir = setup();
    mkdirSync(join(dir, 'shared'));
    writeFileSync(join(dir, 'thing.proto'), THING);
    writeFileSync(join(dir, 'shared', 'money.proto'), MONEY);
    writeFileSync(join(dir, 'key.json'), KEY);
    const given = [record('a', 1), record('b', 2)];
    writeFileSync(join(dir, 'things.test.yaml'), `schemas: { "41": thing.proto, "42": key.json }\ntests:\n  - name: protobuf\n    given: ${JSON.stringify(given)}\n    expect:\n      things:\n        - { id: a, units: 9007199254740991 }\n        - { id: b, units: 9007199254740992 }\n`);
    const r = await testCommand({ config: [join(dir, 'things.yaml')], fixtures: [join(dir, 'things.test.yaml')] });
    expect(r.stdout).toContain('1 passed');
    expect(r.code).toBe(0);
  });
});
