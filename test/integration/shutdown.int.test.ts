/**
 * Graceful shutdown of `sc-project run`: SIGTERM in the middle of a long run finishes or rolls
 * back the batch in flight, commits, and exits 0 within a few seconds, with Kafka's committed
 * offsets equal to the positions in the database (nothing committed to one and not the other).
 * A second signal exits at once. A restart then finishes the stream exactly.
 */
import { describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { committedOffsets, dbPositions, endOffsets, produce, progress, waitDrained } from '../helpers/kafka.js';
import { spawnRun, stopChild, type Child } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer } from '../helpers/services.js';
import { generateStream } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

describe.skipIf(skip).each(servers)('graceful shutdown into $name', (server) => {
  const { track, flow } = testResources();

  it('SIGTERM mid-run exits 0 within seconds with Kafka offsets equal to the database positions; a second signal exits at once', async () => {
    const { spec, db, topics } = await flow('shutdown', 3, server);
    // Half the stream it had on MariaDB alone: a tenth of it is still about 30 units of 20, and
    // both servers together take what one did (CI time).
    const messages = generateStream({ seed: 11, topics: spec, things: 1500, maxLifecycle: 4, orphans: 20, marks: 2500, stubTargets: 20, duplicateRate: 0.03, staleRate: 0.05, unhandled: 50 });
    await produce(messages);
    const ends = await endOffsets(topics);
    const run = (): Child => {
      // Small transactions: the stop lands between units of a batch, the case to get right.
      return track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 20 }));
    };

    const first = run();
    await waitFor('a tenth of the stream', async () => (await progress(db.url, spec.group, ends)) >= 0.1, { timeoutMs: 90_000, intervalMs: 20 });
    const stopped = Date.now();
    const exit = await stopChild(first, 30_000);
    const took = Date.now() - stopped;
    console.log(`SIGTERM mid-run: exited ${JSON.stringify(exit)} after ${took} ms at ${(100 * (await progress(db.url, spec.group, ends))).toFixed(1)} %`);
    expect(exit, first.tail()).toEqual({ code: 0, signal: null });
    expect(took).toBeLessThan(10_000);
    expect(first.other, 'nothing but log lines on stderr').toEqual([]);
    expect(await progress(db.url, spec.group, ends)).toBeLessThan(1);
    const positions = await dbPositions(db.url, spec.group);
    const committed = await committedOffsets(spec.group, topics);
    // Kafka says -1 for a partition nothing was committed to; the database has no row for it.
    const kafkaSide = Object.fromEntries([...committed].filter(([, offset]) => offset >= 0));
    expect(kafkaSide, first.tail(8)).toEqual(Object.fromEntries(positions));
    expect(positions.size).toBeGreaterThan(0);

    // Two signals: the second one exits at once, whatever the first was waiting for.
    const second = run();
    await waitFor('the restarted run commits', async () => second.lines.some((l) => l.msg === 'stats' && Number(l.applied) > 0), { timeoutMs: 90_000, intervalMs: 20 });
    second.kill('SIGTERM');
    second.kill('SIGTERM');
    const quick = Date.now();
    const twice = await second.exited;
    expect(Date.now() - quick).toBeLessThan(2_000);
    expect(twice.code === 0 || twice.code === 130, JSON.stringify(twice)).toBe(true);

    const last = run();
    await waitDrained(db.url, spec.group, topics, 120_000);
    expect(await stopChild(last), last.tail()).toEqual({ code: 0, signal: null });
    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
  });
});
