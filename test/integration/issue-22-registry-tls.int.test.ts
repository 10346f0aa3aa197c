/**
 * Issue 22: the registry client over TLS with basic auth (runtime/registry/http.ts, settings.ts).
 * An https registry stand-in with the test CA's server certificate (scripts/services/tls.sh, for
 * localhost and 127.0.0.1) answers only with the right Authorization. With the CA file the schema
 * is fetched and the credentials sent; without it, under a host name the certificate does not
 * list, or with the wrong password, the registry is an outage (retried, never a dead letter).
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoppedError } from '../../src/runtime/commit/errors.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { httpTransport } from '../../src/runtime/registry/http.js';
import { SchemaRegistry } from '../../src/runtime/registry/registry.js';
import { registrySettings } from '../../src/runtime/registry/settings.js';
import { CI } from '../helpers/services.js';

const CA = process.env.KAFKA_CA_FILE;
if (CA === undefined && CI) throw new Error('KAFKA_CA_FILE not set: CI runs the TLS tests against the services\' test CA (scripts/services.sh up)');
const SECRET = 'reader:pw-tls-test';
const SCHEMA = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'string' }] });

describe.skipIf(CA === undefined)('issue 22: the schema registry over TLS with basic auth', () => {
  const servers: https.Server[] = [];
  const seen: Array<string | undefined> = [];
  const url = (host: string, i: number) => `https://${host}:${(servers[i]?.address() as AddressInfo).port}/apis/ccompat/v7`;

  beforeAll(async () => {
    const dir = dirname(CA as string);
    const options = { cert: readFileSync(join(dir, 'server.crt')), key: readFileSync(join(dir, 'server.key')) };
    for (const host of ['127.0.0.1', '127.0.0.2']) {
      const s = https.createServer(options, (req, res) => {
        seen.push(req.headers.authorization);
        if (req.headers.authorization !== `Basic ${Buffer.from(SECRET).toString('base64')}`) {
          res.writeHead(401).end('{"error_code":40101,"message":"Unauthorized"}');
          return;
        }
        if (req.url === '/apis/ccompat/v7/schemas/ids/7') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ schema: SCHEMA }));
        else res.writeHead(404).end('{"error_code":40403}');
      });
      await new Promise<void>((resolve) => s.listen(0, host, resolve));
      servers.push(s);
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  /** One fetch of id 7; on an outage, stop after the first failure and return its cause. */
  async function fetch7(env: NodeJS.ProcessEnv): Promise<{ registry: SchemaRegistry; cause?: string }> {
    const s = registrySettings(env, (p) => readFileSync(p, 'utf8'));
    if (s === undefined) throw new Error('no settings');
    const registry = new SchemaRegistry({ transport: httpTransport(s, 5_000), display: s.url, log: silentLogger, clock: { now: () => 0, sleep: async () => undefined } });
    let failed = false;
    try {
      await registry.fetch([7], { heartbeat: async () => { failed = true; }, stopping: () => failed });
      return { registry };
    } catch (e) {
      if (!(e instanceof StoppedError)) throw e;
      return { registry, cause: registry.outage()?.cause };
    }
  }

  it('fetches with the CA file, sending the credentials', async () => {
    const { registry, cause } = await fetch7({ SCHEMA_REGISTRY_URL: url('127.0.0.1', 0), SCHEMA_REGISTRY_USER_INFO: SECRET, SCHEMA_REGISTRY_CA_FILE: CA });
    expect(cause).toBeUndefined();
    expect(registry.lookup(7)).toMatchObject({ schemaType: 'AVRO' });
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from(SECRET).toString('base64')}`);
  });

  it.each([
    ['without the CA (verified by default)', () => ({ SCHEMA_REGISTRY_URL: url('127.0.0.1', 0), SCHEMA_REGISTRY_USER_INFO: SECRET }), /certificate/u],
    ['under a host name the certificate does not list', () => ({ SCHEMA_REGISTRY_URL: url('127.0.0.2', 1), SCHEMA_REGISTRY_USER_INFO: SECRET, SCHEMA_REGISTRY_CA_FILE: CA }), /altnames|IP: 127\.0\.0\.2/u],
    ['with the wrong password', () => ({ SCHEMA_REGISTRY_URL: url('127.0.0.1', 0), SCHEMA_REGISTRY_USER_INFO: 'reader:wrong-pw', SCHEMA_REGISTRY_CA_FILE: CA }), /answered HTTP 401/u],
  ])('treats a registry reached %s as an outage, never a dead letter', async (_what, env, cause) => {
    const r = await fetch7(env());
    expect(r.cause).toMatch(cause);
    expect(r.registry.lookup(7)).toBeUndefined();
    expect(r.cause).not.toContain('wrong-pw');
  });
});
