/**
 * Issue 22: the schema registry stopped mid-run, and kill -9 with Avro values. The shared registry
 * is never stopped: the run reads it through a TCP proxy the test takes down (connections
 * refused) while records of a NEW schema id, registered meanwhile on the real registry, arrive.
 * The run pauses (nothing applied past them, nothing dead-lettered or skipped, /readyz not ready,
 * the logs name the registry without its credentials), then resumes by itself once the proxy is
 * back: every record applied once. Then exactly-once under kill -9 (after the database commit and
 * mid-run) holds for Avro values: the counters would double or fall short.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../src/compile/plan.js';
import { validatePaths } from '../../src/validate/index.js';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { V2, avroValue, registerThings, registry, sendRecords, thingsSpec, type Record_, type ThingEvent } from '../helpers/avro-events.js';
import { deleteTopics, endOffsets, progress, waitDrained, withAdmin } from '../helpers/kafka.js';
import { killChild, spawnRun, startInProcess, stopChild } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { freshDatabase, queryDb, skipWithout, uniqueName } from '../helpers/services.js';
import { tcpProxy } from '../helpers/tcp-proxy.js';
import { sleep, waitFor } from '../helpers/wait.js';

const skip = skipWithout('DATABASE_URL', 'KAFKA_BROKERS', 'SCHEMA_REGISTRY_URL');
const { onCleanup, track } = testResources();

async function setUp(tag: string) {
  const name = uniqueName(tag);
  const topic = `${name}.avro`;
  const group = `${name}-g`;
  const dir = mkdtempSync(join(tmpdir(), 'sc-avro-'));
  writeFileSync(join(dir, 'things.yaml'), thingsSpec({ projection: 'things', group, topic, table: 'things', formats: '{ value: avro, key: avro }' }));
  const db = await freshDatabase('sc_it_avro');
  onCleanup(() => rmSync(dir, { recursive: true, force: true }), () => db.drop(), () => deleteTopics([topic, `${topic}.dlq`]));
  await withAdmin((admin) => admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 3, replicationFactor: 1 }] }));
  return { topic, group, dir, db };
}

/** Each id's count of events: what the table's counters must hold, exactly. */
const model = (events: ThingEvent[]) => {
  const n = new Map<string, number>();
  for (const e of events) n.set(e.id, (n.get(e.id) ?? 0) + 1);
  return [...n].sort(([a], [b]) => a.localeCompare(b)).map(([id, count]) => ({ id, n: count }));
};

describe.skipIf(skip)('issue 22: the schema registry stopped mid-run, and kill -9, with Avro values', () => {
  it('pauses while the registry does not answer (no dead letters, no skips, not ready), then resumes with nothing lost or doubled', async () => {
    const { topic, group, dir, db } = await setUp('avro-outage');
    const real = new URL(process.env.SCHEMA_REGISTRY_URL ?? '');
    const proxy = await tcpProxy({ host: real.hostname, port: Number(real.port) });
    onCleanup(() => proxy.down().catch(() => undefined));
    const r = registry();
    const ids = await registerThings(r, topic);
    const events = (from: number, v2: boolean): ThingEvent[] => Array.from({ length: 60 }, (_, i) => ({ id: `t${(from + i) % 20}`, seq: from + i, v2 }));
    const encode = async (es: ThingEvent[], valueId: number): Promise<Record_[]> => Promise.all(es.map(async (e) => ({ topic, key: await r.encode(ids.key, { id: e.id }), value: await r.encode(valueId, avroValue(e)) })));
    const before = events(0, false);
    await sendRecords(await encode(before, ids.v1));

    // The run reads the registry through the proxy, with credentials in the URL (never printed).
    const saved = process.env.SCHEMA_REGISTRY_URL;
    process.env.SCHEMA_REGISTRY_URL = `http://probe:pw-not-printed@127.0.0.1:${proxy.port}${real.pathname}`;
    const run = await startInProcess({ plan: validatePaths([dir]).plan as Plan, databaseUrl: db.url, outageThresholdMs: 500 });
    process.env.SCHEMA_REGISTRY_URL = saved;
    try {
      await waitDrained(db.url, group, [topic]);
      await proxy.down();
      // A schema id the run has never seen, registered during the outage on the real registry.
      const v3 = (await r.register({ type: SchemaType.AVRO, schema: JSON.stringify({ ...V2, fields: [...V2.fields, { name: 'more', type: ['null', 'string'], default: null }] }) }, { subject: `${topic}-value` })).id;
      expect([ids.v1, ids.v2]).not.toContain(v3);
      const during = events(60, true);
      await sendRecords(await encode(during, v3));
      await waitFor('the run to report the registry down', () => run.rt.ready().reasons.some((x) => x.startsWith('the schema registry ')), { timeoutMs: 30_000 });
      await sleep(2_000);
      const ready = run.rt.ready();
      expect(ready.ok).toBe(false);
      expect(ready.reasons.join('\n')).toMatch(new RegExp(`the schema registry http://127\\.0\\.0\\.1:${proxy.port}${real.pathname} has not answered for \\d+ s \\(consumption paused\\): .*ECONNREFUSED`, 'u'));
      const stats = run.rt.stats()[group];
      expect(stats).toMatchObject({ applied: 60, deadLettered: 0, skippedUnhandled: 0 });
      const warned = run.lines.filter((l) => l.msg === 'schema registry unavailable: consumption paused, retrying');
      expect(warned.length).toBeGreaterThan(0);
      expect(warned[0]).toMatchObject({ registry: `http://127.0.0.1:${proxy.port}${real.pathname}` });
      expect(JSON.stringify(run.lines)).not.toContain('pw-not-printed');

      await proxy.up();
      await waitDrained(db.url, group, [topic], 60_000);
      expect(run.rt.stats()[group]).toMatchObject({ applied: 120, deadLettered: 0, skippedUnhandled: 0 });
      await waitFor('/readyz ready again', () => run.rt.ready().ok, { timeoutMs: 10_000 });
      expect(run.lines.some((l) => l.msg === 'schema registry answers again, consuming')).toBe(true);
    } finally {
      await run.rt.stop();
    }
    expect(await queryDb(db.url, 'SELECT id, n FROM things ORDER BY id')).toEqual(model([...before, ...events(60, true)]));
  });

  it('applies each Avro record once through kill -9 after the database commit and mid-run', async () => {
    const { topic, group, dir, db } = await setUp('avro-crash');
    const r = registry();
    const ids = await registerThings(r, topic);
    const all: ThingEvent[] = Array.from({ length: 3000 }, (_, seq) => ({ id: `t${(seq * 7919) % 50}`, seq, v2: seq % 2 === 1 }));
    const records = await Promise.all(all.map(async (e) => ({ topic, key: await r.encode(ids.key, { id: e.id }), value: await r.encode(e.v2 ? ids.v2 : ids.v1, avroValue(e)) })));
    const run = (env?: Record<string, string>) => track(spawnRun({ config: dir, databaseUrl: db.url, maxBatch: 5, ...(env ? { env } : {}) }));
    await sendRecords(records.slice(0, 1500));
    const crashing = run({ SC_TEST_CRASH_AFTER_DB_COMMIT: '1' });
    const exit = await Promise.race([crashing.exited, sleep(90_000).then(() => undefined)]);
    expect(exit, crashing.tail()).toEqual({ code: null, signal: 'SIGKILL' });

    await sendRecords(records.slice(1500));
    const ends = await endOffsets([topic]);
    const mid = run();
    const at = await progress(db.url, group, ends);
    await waitFor('the restarted process to commit', async () => (await progress(db.url, group, ends)) > at, { timeoutMs: 90_000, intervalMs: 20 });
    await killChild(mid);

    const final = run();
    await waitDrained(db.url, group, [topic], 120_000);
    expect(await stopChild(final), final.tail()).toEqual({ code: 0, signal: null });
    expect(await queryDb(db.url, 'SELECT id, n FROM things ORDER BY id')).toEqual(model(all));
  });
});
