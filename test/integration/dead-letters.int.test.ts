/**
 * Bad messages among good ones (CONTRACT section 4): each kind (undecodable bytes, envelopes
 * without type or id, values that do not fit their column, a row the database refuses) lands in
 * `<topic>.dlq` exactly once, with its original key and bytes and headers naming the reason, the source topic,
 * partition and offset, the group, and the projection and event type where known; the messages
 * after it on its partition still apply (the tables equal the model of the good events). An event
 * type no handler takes is skipped and counted, never dead-lettered. The engine's own checks run on
 * the first server database; a row the database refuses, on each (MariaDB, PostgreSQL).
 */
import { describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { createTopics, produce, readTopics, waitDrained, type ReadMessage } from '../helpers/kafka.js';
import { engineErrors, startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, type ServerDatabase } from '../helpers/services.js';
import { BAD_KINDS, UNDECODABLE, generateStream, summarize, withOffsets, type BadKind } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

const REASON: Record<BadKind, RegExp> = {
  'truncated-json': /not JSON/,
  'garbage-bytes': /not valid UTF-8/,
  'json-array': /not an object \(got an array\)/,
  'json-string': /not an object \(got string\)/,
  'no-event-type': /missing event type/,
  'no-event-id': /missing event id/,
  'empty-value': /empty message value/,
  'too-long-insert': /longer than 64|too long/i,
  'too-long-update': /longer than 64|too long/i,
  'decimal-out-of-range': /out of range/i,
  // MariaDB's words, then PostgreSQL's (23505).
  'duplicate-unique': /Duplicate entry|duplicate key value violates unique constraint/i,
};

describe.skipIf(skip)('dead letters', () => {
  const { flow } = testResources();

  /** Produce a stream with these bad messages, run it to the end, and check every dead letter. */
  async function runCase(test: string, seed: number, badKinds: BadKind[], server: ServerDatabase) {
    const { spec, db, topics } = await flow(test, false, server);
    const stream = withOffsets(generateStream({
      seed, topics: spec, things: 250, maxLifecycle: 4, orphans: 5, marks: 400, stubTargets: 5, duplicateRate: 0.03, staleRate: 0.05, unhandled: 15,
      bad: badKinds,
    }));
    await createTopics(topics);
    await produce(stream);
    const bad = stream.filter((m) => m.kind === 'bad' || m.kind === 'rejected');
    expect(new Set(bad.map((m) => m.bad))).toEqual(new Set(badKinds));
    // The test means something only if good events follow each bad message on its partition.
    for (const b of bad) {
      expect(stream.some((m) => m.kind === 'event' && m.topic === b.topic && m.partition === b.partition && m.offset > b.offset), `${b.bad} is followed by good events`).toBe(true);
    }

    const { rt, lines } = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await waitDrained(db.url, spec.group, topics, 120_000);
    await rt.stop();
    const stats = (await rt.done).groups[spec.group];
    const tables = diffTables(expectedTables(stream), await readTables(db.url));

    const letters = await readTopics([`${spec.things}.dlq`, `${spec.marks}.dlq`]);
    const bySource = new Map<string, ReadMessage[]>();
    for (const l of letters) {
      const k = `${l.headers['sc-source-topic']}/${l.headers['sc-source-partition']}/${l.headers['sc-source-offset']}`;
      bySource.set(k, [...(bySource.get(k) ?? []), l]);
    }
    const problems: string[] = [];
    for (const b of bad) {
      const k = `${b.topic}/${b.partition}/${b.offset}`;
      const got = bySource.get(k) ?? [];
      if (got.length !== 1) problems.push(`${b.bad} at ${k}: ${got.length} dead letters`);
      const l = got[0];
      if (l === undefined) continue;
      const h = l.headers;
      const check = (what: string, ok: boolean) => { if (!ok) problems.push(`${b.bad} at ${k}: ${what} (headers ${JSON.stringify(h)})`); };
      check('in the source topic\'s .dlq', l.topic === `${b.topic}.dlq`);
      check('original bytes', b.value === null ? l.value === null || l.value.length === 0 : l.value !== null && l.value.equals(b.value));
      check('original key', l.key?.toString('utf8') === b.key);
      check(`reason ${String(REASON[b.bad as BadKind])}`, REASON[b.bad as BadKind].test(h['sc-reason'] ?? ''));
      check('consumer group', h['sc-consumer-group'] === spec.group);
      if (UNDECODABLE.has(b.bad as BadKind)) {
        check('no projection (none could be known)', h['sc-projection'] === undefined);
      } else {
        check('projection it-flow', h['sc-projection'] === 'it-flow');
        check(`event type ${b.event?.event_type}`, h['sc-event-type'] === b.event?.event_type);
      }
    }
    const expectedKeys = new Set(bad.map((b) => `${b.topic}/${b.partition}/${b.offset}`));
    for (const [k, ls] of bySource) if (!expectedKeys.has(k)) problems.push(`unexpected dead letter from ${k}: ${ls[0]?.headers['sc-reason']}`);
    return { stream, bad, stats, tables, problems, letters, lines, counts: summarize(stream) };
  }

  it('sends each kind of bad message to <topic>.dlq once, with its bytes and headers, and goes on', async () => {
    // Every kind the engine itself detects, twice, spread through the stream.
    const kinds = BAD_KINDS.filter((k) => k !== 'decimal-out-of-range' && k !== 'duplicate-unique');
    const r = await runCase('dlq', 7, [...kinds, ...kinds], servers[0] as ServerDatabase);
    expect(r.tables).toEqual([]);
    expect(r.problems).toEqual([]);
    expect(r.letters.length).toBe(r.bad.length);
    expect(r.stats?.deadLettered).toBe(r.bad.length);
    expect(r.stats?.skippedUnhandled).toBe(r.counts.unhandled);
    expect(r.stats?.applied).toBe(r.counts.event);
    expect(r.lines.filter((l) => l.msg === 'dead-lettered')).toHaveLength(r.bad.length);
    expect(engineErrors(r.lines)).toEqual([]);
  });

  it.each(servers)('a row the database refuses is dead-lettered once, and the bad messages batched with it are not sent again ($name)', async (server) => {
    // duplicate-unique passes every check the engine can make; MariaDB refuses the row (UNIQUE
    // slug; PostgreSQL too, 23505), so the processor splits the batch to find it. Bad messages in the same batch must
    // still be dead-lettered exactly once, and counted once.
    const r = await runCase('dlqdb', 8, ['duplicate-unique', ...BAD_KINDS, 'duplicate-unique'], server);
    expect(r.tables).toEqual([]);
    expect.soft(r.problems).toEqual([]);
    expect.soft(r.letters.length).toBe(r.bad.length);
    expect.soft(r.stats?.deadLettered).toBe(r.bad.length);
    expect.soft(r.stats?.skippedUnhandled).toBe(r.counts.unhandled);
    expect.soft(r.stats?.applied).toBe(r.counts.event);
    expect.soft(r.stats?.duplicates).toBe(r.counts.duplicate);
    expect(engineErrors(r.lines)).toEqual([]);
  });
});
