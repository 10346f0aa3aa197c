/**
 * Issue 22: a run reaches the schema registry the Kafka properties file names
 * (schema.registry.url, basic.auth.user.info), through the runtime's assembly: a stand-in registry
 * answers only with the file's credentials, and the records it holds the schema of apply.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { PLAINTEXT } from '../../src/runtime/sources/kafka/security/options.js';

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
      on_conflict: update
`;
const SECRET = 'reader:pw-run-props';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

describe('issue 22: the registry of the Kafka properties file', () => {
  it('fetches schemas from schema.registry.url with basic.auth.user.info when the environment names no registry', async () => {
    const seen: Array<string | undefined> = [];
    const server = http.createServer((req, res) => {
      seen.push(req.headers.authorization);
      if (req.headers.authorization !== `Basic ${Buffer.from(SECRET).toString('base64')}`) res.writeHead(401).end('{"error_code":40101}');
      else if (req.url === '/apis/ccompat/v7/schemas/ids/7') res.writeHead(200).end(JSON.stringify({ schema: JSON.stringify(VALUE) }));
      else res.writeHead(404).end('{"error_code":40403}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
    const saved = process.env.SCHEMA_REGISTRY_URL;
    delete process.env.SCHEMA_REGISTRY_URL;
    cleanups.push(() => { if (saved !== undefined) process.env.SCHEMA_REGISTRY_URL = saved; });
    const dir = mkdtempSync(join(tmpdir(), 'sc-props-run-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'things.yaml'), SPEC);
    const type = avro.Type.forSchema(VALUE as avro.Schema);
    const line = (id: string, n: number) => JSON.stringify({ topic: 'things', value_b64: Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), type.toBuffer({ event_id: `e-${id}-${n}`, event_type: 'thing.set', id, n })]).toString('base64') });
    writeFileSync(join(dir, 'in.ndjson'), `${line('a', 1)}\n${line('b', 2)}\n`);
    const where = (n: number) => `client.properties:${n}`;
    const registry = [
      { key: 'schema.registry.url', value: `http://127.0.0.1:${(server.address() as AddressInfo).port}/apis/ccompat/v7`, where: where(1) },
      { key: 'basic.auth.credentials.source', value: 'USER_INFO', where: where(2) },
      { key: 'basic.auth.user.info', value: SECRET, where: where(3) },
    ];
    const db = join(dir, 'out.db');
    const rt = await createRuntime({ config: join(dir, 'things.yaml'), databaseUrl: `sqlite:${db}`, from: join(dir, 'in.ndjson'), kafkaSecurity: { ...PLAINTEXT, registry }, logger: silentLogger, statsInterval: 0, progress: false });
    await rt.start();
    expect((await rt.done).groups.g).toMatchObject({ applied: 2, deadLettered: 0 });
    expect(seen).toEqual([`Basic ${Buffer.from(SECRET).toString('base64')}`]);
    const d = new Database(db, { readonly: true });
    try {
      expect(d.prepare('SELECT id, n FROM things ORDER BY id').all()).toEqual([{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
    } finally {
      d.close();
    }
  });
});
