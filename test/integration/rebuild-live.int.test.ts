/**
 * Issue 10's blue-green rebuild under live load, end to end on each server database (MariaDB,
 * PostgreSQL) and Kafka, with the CLI as
 * a user runs it: `sc-project run` (a child process) consumes a stream a producer keeps
 * publishing; the spec files change (a column added, a handler for thing.viewed, a type the stream
 * held from the start); `sc-project rebuild it-flow` runs with the new specs while the live engine
 * consumes, and a reader queries the live tables every few ms on its own connection. The reader
 * never sees an error or a missing table; the live engine notices the swap and reloads the specs;
 * once the producer stopped and the live engine drained, the tables equal those of a from-scratch
 * run of the new spec over the same stream (fresh database, fresh group), row for row.
 * The second test kills the rebuild with SIGKILL at several points (building, and inside the swap
 * through SC_TEST_CRASH_IN_SWAP) and resumes it with the same command each time: same tables.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openKnex } from '../../src/sql/connection.js';
import { dbPositions, endOffsets, produce, testKafka, waitDrained } from '../helpers/kafka.js';
import { BIN, ROOT, spawnRun, startInProcess, stopChild, type Child, type LogLine } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, KAFKA_BROKERS, queryDb, type ServerDatabase } from '../helpers/services.js';
import { changeSpec } from '../helpers/spec-change.js';
import { flowNames, writeSpec, type WrittenSpec } from '../helpers/spec.js';
import { generateStream, type StreamMessage } from '../helpers/stream.js';
import { diffTables, readTables, rowCounts } from '../helpers/tables.js';
import { sleep, waitFor } from '../helpers/wait.js';

const { skip, servers } = eachServer('KAFKA_BROKERS');
const TABLES = ['things', 'thing_tags', 'thing_events', 'marks'];
const PROJECTION = 'it-flow';

interface RebuildRun {
  lines: LogLine[];
  stdout: string;
  stderr: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/** `sc-project rebuild it-flow` as a child process (JSON logs), optionally with a test-only crash hook. */
function runRebuild(spec: WrittenSpec, databaseUrl: string, env: Record<string, string> = {}): RebuildRun {
  const proc = spawn(process.execPath, [BIN, 'rebuild', PROJECTION, '--config', spec.dir, '--database-url', databaseUrl, '--brokers', KAFKA_BROKERS ?? '', '--log-format', 'json', '--session-timeout', '6'], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: RebuildRun = { lines: [], stdout: '', stderr: [], exited: new Promise((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal }))), kill: () => proc.kill('SIGKILL') };
  let buffered = '';
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    for (const l of parts) {
      if (process.env.SC_IT_ECHO === '1') process.stderr.write(`[rebuild ${proc.pid}] ${l}\n`);
      try {
        const parsed = JSON.parse(l) as LogLine;
        if (typeof parsed?.msg === 'string') { run.lines.push(parsed); continue; }
      } catch { /* not a log line */ }
      if (l.trim() !== '') run.stderr.push(l);
    }
  });
  proc.stdout.setEncoding('utf8').on('data', (c: string) => { run.stdout += c; });
  return run;
}

/** A reader on its own connection: COUNT(*) and a sample of rows of every live table, every few ms, until stopped. */
function startReader(databaseUrl: string): { stop(): Promise<{ reads: number; errors: string[] }> } {
  let running = true;
  const errors: string[] = [];
  let reads = 0;
  const loop = (async () => {
    // The engine's own kind of connection, one at a time (knex quotes `??` for its database).
    const c = openKnex(databaseUrl);
    try {
      while (running) {
        for (const t of TABLES) {
          try {
            await c.raw('SELECT COUNT(*) AS n FROM ??', [t]);
            await c.raw('SELECT * FROM ?? LIMIT 5', [t]);
            reads++;
          } catch (e) {
            errors.push(`${t}: ${e instanceof Error ? e.message : String(e)}`);
          }
        }
        await sleep(3);
      }
    } finally {
      await c.destroy();
    }
  })();
  return { async stop() { running = false; await loop; return { reads, errors }; } };
}

/**
 * A producer that keeps publishing a few messages every 100 ms until told to finish, then
 * publishes what is left at once: the stream goes on through the whole rebuild and its swap. The
 * last `tail` messages wait for finish(), so some always come after the swap.
 */
function pacedProducer(messages: StreamMessage[], tail: number): { finish(): Promise<number> } {
  let finishing = false;
  let sentBeforeFinish = 0;
  let release!: () => void;
  const finished = new Promise<void>((resolve) => { release = resolve; });
  const done = (async () => {
    const producer = testKafka('sc-it-paced').producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (let i = 0; i < messages.length;) {
        if (!finishing && i >= messages.length - tail) await finished;
        const n = finishing ? messages.length - i : Math.min(6, messages.length - tail - i);
        const part = messages.slice(i, i + n);
        const topics = [...new Set(part.map((m) => m.topic))];
        await producer.sendBatch({ acks: -1, topicMessages: topics.map((topic) => ({ topic, messages: part.filter((m) => m.topic === topic).map((m) => ({ key: m.key, value: m.value, partition: m.partition })) })) });
        i += part.length;
        if (!finishing) {
          sentBeforeFinish = i;
          await sleep(100);
        }
      }
    } finally {
      await producer.disconnect();
    }
  })();
  return { async finish() { finishing = true; release(); await done; return sentBeforeFinish; } };
}

/** The stream: things (with thing.viewed events, unhandled by the first spec) and marks. */
function stream(spec: WrittenSpec, seed: number): StreamMessage[] {
  return generateStream({ seed, topics: spec, things: 1200, maxLifecycle: 3, orphans: 30, marks: 1600, stubTargets: 30, duplicateRate: 0.03, staleRate: 0.05, unhandled: 600 });
}

/** The new spec over the same topics from scratch, in a fresh database under a fresh group. */
async function fromScratch(server: ServerDatabase, spec: WrittenSpec, onCleanup: (...f: Array<() => Promise<void> | void>) => void): Promise<Awaited<ReturnType<typeof readTables>>> {
  const clean = writeSpec({ ...flowNames('rblclean'), things: spec.things, marks: spec.marks });
  changeSpec(clean);
  const db = await server.fresh('sc_it_rblclean');
  onCleanup(() => clean.remove(), () => db.drop());
  const { rt } = await startInProcess({ config: clean.dir, databaseUrl: db.url });
  try {
    await waitDrained(db.url, clean.group, [spec.things, spec.marks], 120_000);
  } finally {
    await rt.stop();
  }
  return readTables(db.url);
}

describe.skipIf(skip).each(servers)('sc-project rebuild under live load ($name)', (server) => {
  const { flow, track, onCleanup } = testResources();

  async function liveScenario(test: string, seed: number, rebuildUntilDone: (spec: WrittenSpec, url: string, history: number) => Promise<RebuildRun>): Promise<void> {
    const { spec, db, topics } = await flow(test, 3, server);
    const messages = stream(spec, seed);
    const cut = Math.floor(messages.length * 0.6);
    await produce(messages.slice(0, cut));
    const live: Child = track(spawnRun({ config: spec.dir, databaseUrl: db.url, maxBatch: 200 }));
    await waitDrained(db.url, spec.group, topics, 120_000);

    // The producer keeps publishing through the rebuild and the swap.
    const producing = pacedProducer(messages.slice(cut), 300);
    changeSpec(spec);
    const reader = startReader(db.url);
    let rebuilt: RebuildRun;
    try {
      rebuilt = await rebuildUntilDone(spec, db.url, cut);
    } finally {
      // The rest comes after the swap: the live engine applies it with the new spec.
      const during = await producing.finish();
      console.log(`rebuild ${test}: ${during} of ${messages.length - cut} later messages published during the rebuild`);
    }
    await waitFor('the live engine to reload the rebuilt spec', () => live.lines.some((l) => l.msg.startsWith('spec changed under the running engine (rebuilt)')), { timeoutMs: 120_000 });
    await waitDrained(db.url, spec.group, topics, 120_000);
    const read = await reader.stop();
    expect(read.errors, 'the reader saw errors').toEqual([]);
    expect(read.reads).toBeGreaterThan(TABLES.length);
    expect(await stopChild(live), live.tail()).toEqual({ code: 0, signal: null });
    expect(live.lines.filter((l) => l.level === 'error'), live.tail()).toEqual([]);
    expect(live.lines.filter((l) => l.msg.startsWith('spec changed under the running engine')).length, 'one reload').toBe(1);
    const swapped = rebuilt.lines.find((l) => l.msg === 'rebuild: swapped');
    const pause = rebuilt.lines.find((l) => l.msg === 'rebuild: swap done');
    console.log(`rebuild ${test}: ${messages.length} messages; ${JSON.stringify(swapped ?? {})}; ${JSON.stringify(pause ?? {})}; reader ${read.reads} reads; stdout ${rebuilt.stdout.trim()}`);

    const actual = await readTables(db.url, TABLES);
    const expected = await fromScratch(server, spec, onCleanup);
    expect(rowCounts(actual)).toEqual(rowCounts(expected));
    expect(diffTables(expected, actual)).toEqual([]);
    // The backfill is in: earlier thing.viewed events count in the rebuilt column.
    expect((actual.things ?? []).some((r) => Number(r.view_count) > 0)).toBe(true);
    // Nothing of the live group is left at a position other than the topics' ends.
    const ends = await endOffsets(topics);
    expect(await dbPositions(db.url, spec.group)).toEqual(new Map([...ends].filter(([, n]) => n > 0)));
  }

  it('rebuilds while the producer publishes and the live engine consumes; a reader never sees an error; the tables equal a from-scratch run', async () => {
    await liveScenario('rbl', 31, async (spec, url) => {
      const r = runRebuild(spec, url);
      const exit = await r.exited;
      expect(exit, [...r.lines.slice(-20).map((l) => JSON.stringify(l)), ...r.stderr].join('\n')).toEqual({ code: 0, signal: null });
      return r;
    });
  });

  it('kill -9 of the rebuild while building and inside the swap, resumed by the same command each time: the same tables', async () => {
    await liveScenario('rblkill', 32, async (spec, url, history) => {
      const shadow = `${spec.group}.rebuild`;
      const applied = async () => [...(await dbPositions(url, shadow)).values()].reduce((a, b) => a + b, 0);
      const kills: string[] = [];
      const killWhen = async (what: string, cond: () => Promise<boolean>, env: Record<string, string> = {}) => {
        const r = runRebuild(spec, url, env);
        const exit = await Promise.race([r.exited, waitFor(what, cond, { timeoutMs: 120_000, intervalMs: 20 }).then(() => undefined)]);
        if (exit === undefined) r.kill();
        const end = await r.exited;
        kills.push(`${what}: ${JSON.stringify(end)}`);
        expect(end.signal, [`${what}`, ...r.lines.slice(-10).map((l) => JSON.stringify(l)), ...r.stderr].join('\n')).toBe('SIGKILL');
      };
      // Building: right after it recorded its start, then at growing shares of the history.
      await killWhen('the rebuild started', async () => (await rebuildState(url)) !== undefined);
      const before = await applied();
      await killWhen('the shadow applied its first batch', async () => (await applied()) > before);
      // Points of the history drawn at random (the shadow stops short of the live positions, which
      // are at least `history` messages ahead).
      const [a, b] = [0.2 + Math.random() * 0.2, 0.5 + Math.random() * 0.3].map((f) => Math.floor(f * history));
      await killWhen(`${a} messages of the history`, async () => (await applied()) > (a as number));
      await killWhen(`${b} messages of the history`, async () => (await applied()) > (b as number));
      // Inside the swap (a test-only hook kills the process at that point): with the live
      // group's locks held, and between the RENAME and its bookkeeping.
      await killWhen('locks held, before the RENAME', async () => false, { SC_TEST_CRASH_IN_SWAP: 'locked' });
      await killWhen('after the RENAME, before its bookkeeping', async () => false, { SC_TEST_CRASH_IN_SWAP: 'renamed' });
      const r = runRebuild(spec, url);
      const exit = await r.exited;
      expect(exit, [...r.lines.slice(-20).map((l) => JSON.stringify(l)), ...r.stderr].join('\n')).toEqual({ code: 0, signal: null });
      console.log(`rebuild kills: ${kills.join('; ')}`);
      return r;
    });
  });
});

async function rebuildState(url: string): Promise<string | undefined> {
  try {
    return (await queryDb(url, 'SELECT state FROM sc_rebuilds WHERE projection = ?', [PROJECTION]))[0]?.state as string | undefined;
  } catch (e) {
    // No such table yet: MariaDB's 1146, PostgreSQL's 42P01.
    if ((e as { errno?: number }).errno === 1146 || (e as { code?: string }).code === '42P01') return undefined;
    throw e;
  }
}
