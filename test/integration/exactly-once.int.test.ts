/**
 * Exactly once, end to end: a stream with duplicates (the same event_id again, next to the
 * original and far from it), stale versions, orphans and Δ counters goes through Kafka into
 * the database, and every table equals the in-memory model. Then the group is run again three ways and
 * nothing may change: (1) a second runtime on the same group finds nothing to read; (2) with the
 * Kafka offsets rewound, the database positions place every partition where it was; (3) with the positions deleted
 * as well, the processed event ids reject every event. On every server database (MariaDB, PostgreSQL).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { createTopics, deleteTopics, endOffsets, produce, rewindGroup, waitDrained, waitGroupMembers } from '../helpers/kafka.js';
import { engineErrors, startInProcess, type LogLine } from '../helpers/runner.js';
import { eachServer, queryDb, type FreshDb } from '../helpers/services.js';
import { flowNames, writeSpec, type WrittenSpec } from '../helpers/spec.js';
import { generateStream, summarize, type StreamMessage } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

describe.skipIf(skip).each(servers)('exactly once through Kafka into $name', (server) => {
  let spec: WrittenSpec;
  let db: FreshDb;
  let stream: StreamMessage[];
  const counts = () => summarize(stream);

  beforeAll(async () => {
    spec = writeSpec(flowNames('eo'));
    db = await server.fresh('sc_it_eo');
    stream = generateStream({
      seed: 1, topics: spec, things: 900, maxLifecycle: 4, orphans: 20, marks: 1500, stubTargets: 20,
      duplicateRate: 0.03, staleRate: 0.05, unhandled: 25,
    });
    await createTopics([spec.things, spec.marks]);
    await produce(stream);
  });

  afterAll(async () => {
    await deleteTopics(spec?.allTopics ?? []);
    await db?.drop();
    spec?.remove();
  });

  it('applies every event once: all tables equal the model, then replays change nothing', async () => {
    const c = counts();
    expect(c.duplicate).toBeGreaterThan(100);
    // Both kinds of duplicates are there: right after the original, and thousands of messages later.
    const firstAt = new Map<string, number>();
    const gaps: number[] = [];
    stream.forEach((m, i) => {
      const id = m.event?.event_id;
      if (id === undefined) return;
      const at = firstAt.get(id);
      if (at === undefined) firstAt.set(id, i);
      else gaps.push(i - at);
    });
    expect(gaps.filter((g) => g <= 2).length).toBeGreaterThan(30);
    expect(gaps.filter((g) => g >= 1000).length).toBeGreaterThan(30);
    const expected = expectedTables(stream);
    const topics = [spec.things, spec.marks];
    const goodEvents = stream.filter((m) => m.kind === 'event' && !m.duplicate).length;

    const t0 = Date.now();
    const phases: string[] = [];
    const phase = (name: string) => phases.push(`${name} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Run 1: the whole stream.
    const started = Date.now();
    // Stats lines every 0.25 s: the whole run takes about a second.
    const first = await startInProcess({ config: spec.dir, databaseUrl: db.url, statsInterval: 0.25 });
    await waitDrained(db.url, spec.group, topics, 120_000);
    const seconds = (Date.now() - started) / 1000;
    phase('drained');
    await first.rt.stop();
    phase('stopped');
    const summary = await first.rt.done;
    const s = summary.groups[spec.group];
    expect(s).toBeDefined();
    const rates = first.lines.filter((l) => l.msg === 'stats' && typeof l.events_per_s === 'number').map((l) => l.events_per_s as number);
    const commitSeconds = (s?.commitMs ?? []).reduce((a, b) => a + b, 0) / 1000;
    console.log(`exactly-once run 1: ${c.total} messages drained ${seconds.toFixed(2)} s after start() (${Math.round(c.total / seconds)} msg/s incl. start-up and group join); `
      + `runtime stats: ${s?.events} events in ${s?.batches} transactions, ${commitSeconds.toFixed(2)} s committing = ${Math.round((s?.events ?? 0) / commitSeconds)} events/s; `
      + `stats-line events_per_s (0.25 s intervals): ${rates.length > 0 ? `[${rates.join(', ')}], peak ${Math.max(...rates)}, mean of non-zero ${mean(rates.filter((r) => r > 0))}` : 'none'}; `
      + `stats ${JSON.stringify({ ...s, commitMs: undefined })}`);

    expect(diffTables(expected, await readTables(db.url))).toEqual([]);
    expect(s?.events).toBe(c.total);
    expect(s?.applied).toBe(goodEvents);
    expect(s?.duplicates).toBe(c.duplicate);
    expect(s?.skippedUnhandled).toBe(c.unhandled);
    expect(s?.deadLettered).toBe(0);
    expect(engineErrors(first.lines)).toEqual([]);

    // Run 2: the same group again; Kafka's committed offsets are at the end.
    const second = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await waitGroupMembers(spec.group, 1);
    phase('run 2 joined');
    await waitForStats(second.lines, 2);
    await second.rt.stop();
    phase('run 2 stopped');
    const s2 = (await second.rt.done).groups[spec.group];
    expect(s2?.events).toBe(0);
    expect(s2?.applied).toBe(0);
    expect(diffTables(expected, await readTables(db.url))).toEqual([]);

    // Run 3: Kafka offsets rewound to the start; the database positions are the truth: every
    // partition is placed at its stored position, and nothing is read again.
    await rewindGroup(spec.group);
    const third = await startInProcess({ config: spec.dir, databaseUrl: db.url });
    await waitFor('run 3 to place every partition at its stored position', () => third.lines.filter((l) => l.msg === 'resuming from the stored position' || l.msg === 'database position ahead of Kafka: seeking').length >= 6, { timeoutMs: 60_000 });
    await waitForStats(third.lines, 2);
    phase('run 3 placed all');
    await third.rt.stop();
    phase('run 3 stopped');
    const s3 = (await third.rt.done).groups[spec.group];
    expect(s3?.events).toBe(0);
    expect(s3?.applied).toBe(0);
    expect(diffTables(expected, await readTables(db.url))).toEqual([]);

    // Run 4: offsets rewound and the positions forgotten; only the processed event ids stand
    // between the redelivered events and double effects (counters, log rows).
    await rewindGroup(spec.group);
    await queryDb(db.url, 'DELETE FROM sc_consumer_positions WHERE consumer_group = ?', [spec.group]);
    // Small transactions this time: the same guarantees must hold unit by unit.
    const fourth = await startInProcess({ config: spec.dir, databaseUrl: db.url, maxBatch: 97 });
    await waitDrained(db.url, spec.group, topics, 120_000);
    phase('run 4 drained');
    await fourth.rt.stop();
    phase('run 4 stopped');
    console.log(`exactly-once phases: ${phases.join(', ')}`);
    const s4 = (await fourth.rt.done).groups[spec.group];
    expect(s4?.applied).toBe(0);
    expect(s4?.events).toBe(c.total);
    expect(s4?.duplicates).toBe(goodEvents + c.duplicate);
    expect(s4?.batches).toBeGreaterThan(c.total / 97);
    const commit4 = (s4?.commitMs ?? []).reduce((a, b) => a + b, 0) / 1000;
    console.log(`exactly-once run 4 (--max-batch 97, every event a duplicate): ${s4?.events} events in ${s4?.batches} transactions, ${commit4.toFixed(2)} s committing = ${Math.round((s4?.events ?? 0) / commit4)} events/s`);
    expect(diffTables(expected, await readTables(db.url))).toEqual([]);
    expect((await endOffsets(topics)).size).toBe(6);
  });
});

function mean(xs: number[]): number {
  return xs.length === 0 ? 0 : Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
}

/** Let a joined runtime fetch for a while: `n` more stats lines (one a second). */
async function waitForStats(lines: LogLine[], n: number): Promise<void> {
  const before = lines.filter((l) => l.msg === 'stats').length;
  await waitFor(`${n} more stats lines`, () => lines.filter((l) => l.msg === 'stats').length >= before + n, { timeoutMs: 30_000 });
}
