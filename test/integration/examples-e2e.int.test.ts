/**
 * Issue 5 end to end: every message of the contract's examples (one per event type) through real
 * Kafka into every server database (MariaDB, PostgreSQL: issue 20's "done when") with the shipped
 * projections; every table equals the hand-derived expected rows; publishing the whole file again
 * changes nothing; and the embedded default (file → SQLite) gives the same rows.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { validatePaths } from '../../src/validate/index.js';
import { createTopics, deleteTopics, diffTables, isolatedSpecs, kafka, publish, readExpected, readNdjsonFile, waitDrained } from '../helpers/e2e.js';
import { eachServer, KAFKA_BROKERS, uniqueName, type FreshDb } from '../helpers/services.js';

const EXAMPLES = 'test/fixtures/examples.ndjson';
const expected = readExpected('test/fixtures/examples.expected.yaml');
const { skip, servers } = eachServer('KAFKA_BROKERS');

describe.skipIf(skip).each(servers)('contract examples end to end into $name', (server) => {
  const prefix = `${uniqueName('e2e')}.`;
  const specs = isolatedSpecs('projections', prefix, `-${prefix.slice(0, -1)}`);
  const plan = validatePaths([specs]).plan as Plan;
  const k = kafka(KAFKA_BROKERS ?? '');
  let db: FreshDb;

  beforeAll(async () => {
    db = await server.fresh('sc_e2e');
    await createTopics(k, plan.groups.flatMap((g) => g.topics).filter((t, i, a) => a.indexOf(t) === i));
  });

  afterAll(async () => {
    await deleteTopics(k, prefix);
    await db?.drop();
    rmSync(specs, { recursive: true, force: true });
  });

  it('applies every example exactly as expected, and a second publication changes nothing', async () => {
    const messages = readNdjsonFile(EXAMPLES);
    await publish(k, messages, prefix);
    const rt = await createRuntime({ plan, databaseUrl: db.url, brokers: (KAFKA_BROKERS ?? '').split(','), logger: silentLogger, statsInterval: 0 });
    await rt.start();
    try {
      await waitDrained(k, db.url, plan);
      expect(await diffTables(db.url, plan, expected)).toEqual([]);
      const sum = (f: (s: ReturnType<typeof rt.stats>[string]) => number) => Object.values(rt.stats()).reduce((n, s) => n + f(s), 0);
      const applied = sum((s) => s.applied);
      await publish(k, messages, prefix);
      await waitDrained(k, db.url, plan);
      expect(await diffTables(db.url, plan, expected)).toEqual([]);
      // The second publication applies nothing. Every one of its events is recognised as a
      // duplicate; a rebalance while it drains may hand a batch over twice, and those count too.
      expect(sum((s) => s.applied), JSON.stringify(rt.stats())).toBe(applied);
      expect(sum((s) => s.duplicates)).toBeGreaterThanOrEqual(applied);
    } finally {
      await rt.stop();
    }
  });
});

// No server: once, not per server database.
describe('contract examples through the embedded default', () => {
  it('gives the same rows through the embedded default (file → SQLite)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-e2e-'));
    const url = `sqlite:${join(dir, 'e2e.db')}`;
    try {
      const shipped = validatePaths(['projections']).plan as Plan;
      const rt = await createRuntime({ plan: shipped, databaseUrl: url, from: EXAMPLES, logger: silentLogger, statsInterval: 0 });
      await rt.start();
      const summary = await rt.done;
      expect(summary.rows?.sc_dead_letters).toBe(0);
      expect(await diffTables(url, shipped, expected)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
