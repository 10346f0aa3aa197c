/**
 * Two members of one consumer group on 3-partition topics; one leaves mid-run, gracefully (in
 * process, stop()) or by kill -9 (a child process). The survivor takes its partitions over and
 * the final tables equal the model: nothing lost, nothing applied twice. With the graceful stop
 * the runtimes' own counters must add up exactly: every event applied by exactly one member.
 *
 * The stream keeps arriving while the members join and leave (the first fifth up front, the rest
 * in paced chunks over ~14 s), so both members do real work before one of them goes away and the
 * survivor has more to do afterwards, on the partitions it took over too. The graceful hand-over
 * (positions read and moved by two members' transactions) runs on every server database; kill -9
 * on the first (crash.int kills on each).
 */
import { describe, expect, it } from 'vitest';
import { expectedTables } from '../helpers/model.js';
import { endOffsets, produce, progress, waitDrained, waitGroupMembers } from '../helpers/kafka.js';
import { engineErrors, killChild, spawnRun, startInProcess, stopChild } from '../helpers/runner.js';
import { testResources, type Db } from '../helpers/scenario.js';
import { eachServer, type ServerDatabase } from '../helpers/services.js';
import type { WrittenSpec } from '../helpers/spec.js';
import { generateStream, summarize, type StreamMessage } from '../helpers/stream.js';
import { diffTables, readTables } from '../helpers/tables.js';
import { waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');

describe.skipIf(skip)('rebalance: one of two members leaves mid-run', () => {
  const { track, flow } = testResources();

  async function setUp(test: string, seed: number, server: ServerDatabase): Promise<{ spec: WrittenSpec; db: Db; messages: StreamMessage[]; topics: string[]; rest: () => Promise<void>; producing: () => boolean }> {
    const { spec, db, topics } = await flow(test, 3, server);
    const messages = generateStream({
      seed, topics: spec, things: 3000, maxLifecycle: 4, orphans: 40, marks: 5000, stubTargets: 40, duplicateRate: 0.03, staleRate: 0.05, unhandled: 40,
    });
    const head = Math.floor(messages.length / 5);
    await produce(messages.slice(0, head));
    // The rest arrives over ~14 s, in sequence after the head.
    let started: Promise<void> | undefined;
    let finished = false;
    const rest = () => (started ??= produce(messages.slice(head), 300, 400).then(() => { finished = true; }));
    return { spec, db, messages, topics, rest, producing: () => started !== undefined && !finished };
  }

  it.each(servers)('graceful stop: the survivor takes over and every event is applied by exactly one member ($name)', async (server) => {
    const { spec, db, messages, topics, rest, producing: stillProducing } = await setUp('rebal', 4, server);
    const a = await startInProcess({ config: spec.dir, databaseUrl: db.url, maxBatch: 10, clientId: 'it-a' });
    const producing = rest();
    await waitFor('member a to apply events', () => (a.rt.stats()[spec.group]?.applied ?? 0) > 100, { timeoutMs: 60_000, intervalMs: 50 });
    const b = await startInProcess({ config: spec.dir, databaseUrl: db.url, maxBatch: 10, clientId: 'it-b' });
    await waitGroupMembers(spec.group, 2);
    await waitFor('member b to apply events', () => (b.rt.stats()[spec.group]?.applied ?? 0) > 100, { timeoutMs: 60_000, intervalMs: 50 });
    const atStop = await progress(db.url, spec.group, await endOffsets(topics));
    // Mid-run: more of the stream arrives after b has gone, for a alone.
    expect(stillProducing()).toBe(true);
    await b.rt.stop();
    const sb = (await b.rt.done).groups[spec.group];

    await producing;
    await waitDrained(db.url, spec.group, topics, 120_000);
    await a.rt.stop();
    const sa = (await a.rt.done).groups[spec.group];
    const counts = summarize(messages);
    console.log(`rebalance (graceful): b stopped at ${(100 * atStop).toFixed(1)} %; a ${JSON.stringify({ ...sa, commitMs: undefined })}; b ${JSON.stringify({ ...sb, commitMs: undefined })}`);

    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
    expect((sa?.applied ?? 0) + (sb?.applied ?? 0)).toBe(counts.event);
    expect(sa?.applied).toBeGreaterThan(0);
    expect(sb?.applied).toBeGreaterThan(0);
    expect(engineErrors([...a.lines, ...b.lines])).toEqual([]);
  });

  it('kill -9 of one child process: the survivor takes over after the session timeout', async () => {
    const { spec, db, messages, topics, rest, producing: stillProducing } = await setUp('rebal9', 5, servers[0] as ServerDatabase);
    const survivor = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 10, extraArgs: ['--client-id', 'it-survivor'] }));
    const producing = rest();
    await waitFor('the survivor to start', async () => (await progress(db.url, spec.group, await endOffsets(topics))) > 0.02, { timeoutMs: 60_000, intervalMs: 100 });
    const victim = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 10, extraArgs: ['--client-id', 'it-victim'] }));
    await waitGroupMembers(spec.group, 2);
    await waitFor('the victim to apply events', () => Number(victim.lastStats()?.applied ?? 0) > 100, { timeoutMs: 60_000, intervalMs: 100 });
    const atKill = await progress(db.url, spec.group, await endOffsets(topics));
    expect(stillProducing()).toBe(true);
    await killChild(victim);

    await producing;
    await waitDrained(db.url, spec.group, topics, 150_000);
    expect(survivor.alive(), survivor.tail()).toBe(true);
    expect(await stopChild(survivor), survivor.tail()).toEqual({ code: 0, signal: null });
    console.log(`rebalance (kill -9): victim killed at ${(100 * atKill).toFixed(1)} % after applying ${String(victim.lastStats()?.applied)}; survivor ${JSON.stringify(survivor.lastStats())}`);

    expect(diffTables(expectedTables(messages), await readTables(db.url))).toEqual([]);
    expect(engineErrors(survivor.lines)).toEqual([]);
  });
});
