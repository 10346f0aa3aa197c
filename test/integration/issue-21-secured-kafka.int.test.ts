/**
 * Issue 21 end to end over the broker's SASL_SSL listener (SCRAM-SHA-512, the test CA) into
 * MariaDB over TLS (the TLS-only login, CA and host name verified): the shipped projections apply
 * every contract example, a poison message lands in its
 * `.dlq` topic (the dead-letter producer and the admin that creates the `.dlq` topics use the same
 * security: the run is given only the SASL_SSL address), and no log line holds the password.
 * The topics are created and the messages published over PLAINTEXT: the engine is under test.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { createLogger } from '../../src/runtime/ops/log.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { loadKafkaSecurity } from '../../src/runtime/sources/kafka/security/load.js';
import { validatePaths } from '../../src/validate/index.js';
import { createTopics, deleteTopics, diffTables, isolatedSpecs, kafka, publish, readExpected, readNdjsonFile, waitDrained } from '../helpers/e2e.js';
import { readTopics } from '../helpers/kafka.js';
import { SECURE, saslSslEntries, skipWithoutSecureKafka, writeProperties } from '../helpers/secure-kafka.js';
import { onDatabase, SECURE_DB, skipWithoutSecureDatabases } from '../helpers/secure-db.js';
import { freshDatabase, skipWithout, uniqueName } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL', 'KAFKA_BROKERS') || skipWithoutSecureKafka() || skipWithoutSecureDatabases();
const expected = readExpected('test/fixtures/examples.expected.yaml');

describe.skipIf(skip)('issue 21: the shipped projections over SASL_SSL', () => {
  const prefix = `${uniqueName('sasl')}.`;
  const specs = isolatedSpecs('projections', prefix, `-${prefix.slice(0, -1)}`);
  const plan = validatePaths([specs]).plan as Plan;
  const topics = [...new Set(plan.groups.flatMap((g) => g.topics))];
  const k = kafka(SECURE.KAFKA_BROKERS);
  const dir = mkdtempSync(join(tmpdir(), 'sc-sasl-ssl-'));
  let db: Awaited<ReturnType<typeof freshDatabase>>;

  beforeAll(async () => {
    db = await freshDatabase('sc_sasl');
    await createTopics(k, topics);
  });

  afterAll(async () => {
    await deleteTopics(k, prefix);
    await db?.drop();
    rmSync(specs, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('applies every example into MariaDB over TLS and dead-letters the poison message, over SASL_SSL only', async () => {
    const dbUrl = onDatabase(SECURE_DB.DATABASE_TLS_URL, db.name);
    const loaded = loadKafkaSecurity({ configPath: writeProperties(dir, 'client.properties', saslSslEntries()), env: {} });
    if (!('security' in loaded)) throw new Error(loaded.errors.join('\n'));
    const messages = readNdjsonFile('test/fixtures/examples.ndjson');
    const poisoned = messages[0]?.topic as string;
    await publish(k, [...messages, { topic: poisoned, key: 'poison-1', value: 'not an event' }], prefix);

    const lines: string[] = [];
    const rt = await createRuntime({ plan, databaseUrl: dbUrl, brokers: [SECURE.KAFKA_SASL_SSL_BROKERS], kafkaSecurity: loaded.security, logger: createLogger('json', (l) => lines.push(l)), statsInterval: 0 });
    await rt.start();
    try {
      // Read back with the plaintext login: the run is under test, not the checks.
      await waitDrained(k, db.url, plan);
      expect(await diffTables(db.url, plan, expected)).toEqual([]);
      // At least once: a rebalance while the groups join may hand the batch over again.
      expect(Object.values(rt.stats()).reduce((n, s) => n + s.deadLettered, 0)).toBeGreaterThanOrEqual(1);
    } finally {
      await rt.stop();
    }
    const letters = await readTopics([`${prefix}${poisoned}.dlq`]);
    expect(letters.length).toBeGreaterThanOrEqual(1);
    expect(new Set(letters.map((l) => `${l.key?.toString()} ${l.value?.toString()}`))).toEqual(new Set(['poison-1 "not an event"']));

    const password = readFileSync(SECURE.KAFKA_SCRAM_PASSWORD_FILE, 'utf8').trim();
    expect(lines.join('\n')).not.toContain(password);
    const starting = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'sc-project starting');
    expect(starting?.kafka_security).toBe(`SASL_SSL, SCRAM-SHA-512 as ${SECURE.KAFKA_SCRAM_USERNAME}, CA ${SECURE.KAFKA_CA_FILE}`);
    expect(starting?.database_tls).toBe('TLS, certificate and host name verified');
  });
});
