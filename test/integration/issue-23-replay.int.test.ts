/**
 * Issue 23, `dead-letters replay` through real services: a spec whose column is too short
 * dead-letters events; `ddl --apply` of the fixed spec widens the column; the replay applies the
 * letters and the tables equal a clean run of the fixed spec. Letters of a `.dlq` topic (a Kafka
 * run) and of sc_dead_letters (`--from` runs), on MariaDB and on PostgreSQL: a dry run changes no
 * row, the live group's positions do not move, a replay killed -9 and run again doubles nothing
 * (the counters would show it), a second replay applies nothing, letters still failing stay with
 * attempt 2.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ddlCommand } from '../../src/cli/ddl.js';
import { replayCommand, type ReplayCommandOptions } from '../../src/cli/dead-letters-replay.js';
import { listCommand } from '../../src/cli/dead-letters.js';
import { openKnex } from '../../src/sql/connection.js';
import { createTopics, dbPositions, deleteTopics, waitDrained } from '../helpers/kafka.js';
import { FIXED, itemEvents, lettersFlow, produceEvents, writeNdjson, type LettersFlow } from '../helpers/letters-scenario.js';
import { BIN, ROOT, startInProcess } from '../helpers/runner.js';
import { testResources } from '../helpers/scenario.js';
import { freshDatabase, freshPostgresDatabase, KAFKA_BROKERS, skipWithout } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL', 'KAFKA_BROKERS', 'POSTGRES_URL');

interface Report { dry_run: boolean; applied: number; failed_again: number; skipped: number }

/** The rows a query returns, on any of the three databases. */
async function rows(url: string, sql: string): Promise<unknown[]> {
  const k = openKnex(url);
  try {
    const r = (await k.raw(sql)) as unknown;
    if (Array.isArray(r) && Array.isArray(r[0])) return r[0] as unknown[];
    if (Array.isArray(r)) return r;
    return (r as { rows: unknown[] }).rows;
  } finally {
    await k.destroy();
  }
}
const ITEMS = 'SELECT item_id, name, size FROM items ORDER BY item_id';
const TOTALS = 'SELECT bucket, items, size_sum FROM totals ORDER BY bucket';
const state = async (url: string) => ({ items: await rows(url, ITEMS), totals: await rows(url, TOTALS), letters: await rows(url, 'SELECT * FROM sc_dead_letters ORDER BY dlq_id') });

describe.skipIf(skip)('dead-letters replay (issue 23)', () => {
  const { onCleanup } = testResources();

  async function database(kind: 'mysql' | 'postgres', test: string): Promise<string> {
    const db = kind === 'mysql' ? await freshDatabase(`sc_it_${test}`) : await freshPostgresDatabase(`sc_it_${test}`);
    onCleanup(() => db.drop());
    return db.url;
  }

  /** A --from run of the events with the spec as it is now. */
  async function fileRun(flow: LettersFlow, url: string, file: string): Promise<void> {
    const { rt } = await startInProcess({ config: flow.dir, databaseUrl: url, from: file, brokers: [], progress: false });
    await rt.done;
  }

  const replay = async (flow: LettersFlow, url: string, more: Partial<ReplayCommandOptions> = {}): Promise<Report> => {
    const r = await replayCommand({ config: [flow.dir], databaseUrl: url, format: 'json', progress: false, ...more });
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout) as Report;
  };

  /** Widen the column with the fixed spec (`ddl --apply`) and make a clean run of it elsewhere. */
  async function fix(flow: LettersFlow, kind: 'mysql' | 'postgres', url: string, file: string): Promise<string> {
    flow.writeSpec(FIXED);
    const ddl = await ddlCommand({ config: [flow.dir], dialect: kind, apply: true, databaseUrl: url });
    expect(ddl.stdout).toMatch(/items\.name: widen/u);
    expect(ddl.code).toBe(0);
    // On every database the widening is `ddl --apply`'s own (PostgreSQL's ALTER now changes the type).
    const clean = await database(kind, 'replayclean');
    await fileRun(flow, clean, file);
    return clean;
  }

  /** A Kafka run of the short spec into MariaDB (letters in the .dlq topic), then the spec fixed. */
  async function kafkaLetters(test: string, n: number) {
    const flow = lettersFlow(test);
    onCleanup(() => flow.remove(), () => deleteTopics([flow.topic, `${flow.topic}.dlq`]));
    const url = await database('mysql', test);
    const events = itemEvents(n);
    await createTopics([flow.topic], 3);
    await produceEvents(flow.topic, events);
    const { rt } = await startInProcess({ config: flow.dir, databaseUrl: url });
    await waitDrained(url, flow.group, [flow.topic]);
    await rt.stop();
    const clean = await fix(flow, 'mysql', url, writeNdjson(flow.dir, flow.topic, events));
    return { flow, url, clean, long: events.filter((e) => e.kind === 'long').length, tooLong: events.filter((e) => e.kind === 'too-long').length };
  }

  it('replays the letters of a .dlq topic (a Kafka run) into MariaDB: dry run, once, positions kept, failures stay', async () => {
    const { flow, url, clean, long, tooLong } = await kafkaLetters('replaytopic', 200);
    const positions = await dbPositions(url, flow.group);
    const before = await state(url);

    expect(await replay(flow, url, { brokers: KAFKA_BROKERS, dryRun: true })).toMatchObject({ dry_run: true, applied: long, failed_again: tooLong });
    expect(await state(url)).toEqual(before);

    expect(await replay(flow, url, { brokers: KAFKA_BROKERS })).toMatchObject({ applied: long, failed_again: tooLong, skipped: 0 });
    expect(await rows(url, ITEMS)).toEqual(await rows(clean, ITEMS));
    expect(await rows(url, TOTALS)).toEqual(await rows(clean, TOTALS));
    expect(await dbPositions(url, flow.group)).toEqual(positions);
    const listed = JSON.parse((await listCommand({ config: [flow.dir], databaseUrl: url, brokers: KAFKA_BROKERS, format: 'json' })).stdout) as { total: number; letters: Array<{ attempts: number; reason: string }> };
    expect(listed.total).toBe(tooLong);
    expect(listed.letters.map((l) => l.attempts)).toEqual(Array.from({ length: tooLong }, () => 2));
    expect(listed.letters[0]?.reason).toMatch(/longer than 40/u);

    expect(await replay(flow, url, { brokers: KAFKA_BROKERS })).toMatchObject({ applied: 0, failed_again: tooLong });
    expect(await rows(url, TOTALS)).toEqual(await rows(clean, TOTALS));
  });

  it('replays .dlq letters killed -9 after its first chunk and run again: nothing doubled', async () => {
    const { flow, url, clean, long, tooLong } = await kafkaLetters('replaytopickill', 300);
    const child = spawnReplay(['dead-letters', 'replay', '--config', flow.dir, '--database-url', url, '--brokers', KAFKA_BROKERS ?? '', '--no-progress'], { ...(process.env as Record<string, string>), SC_TEST_CRASH_AFTER_REPLAY_CHUNK: '1' });
    onCleanup(() => child.kill('SIGKILL'));
    expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const marked = (await rows(url, "SELECT COUNT(*) AS n FROM sc_replayed_letters WHERE outcome = 'applied'")) as Array<{ n: number | string }>;
    const first = Number(marked[0]?.n);
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThan(long);
    const rest = await replay(flow, url, { brokers: KAFKA_BROKERS });
    expect(rest).toMatchObject({ applied: long - first, failed_again: tooLong });
    expect(await rows(url, ITEMS)).toEqual(await rows(clean, ITEMS));
    expect(await rows(url, TOTALS)).toEqual(await rows(clean, TOTALS));
    expect(await replay(flow, url, { brokers: KAFKA_BROKERS })).toMatchObject({ applied: 0, failed_again: tooLong });
  });

  it('two replays at once on MariaDB: each letter applied once (the one that finds a letter taken stops and says so)', async () => {
    const flow = lettersFlow('replaytwice');
    onCleanup(() => flow.remove());
    const url = await database('mysql', 'replaytwice');
    const events = itemEvents(400);
    const file = writeNdjson(flow.dir, flow.topic, events);
    await fileRun(flow, url, file);
    const clean = await fix(flow, 'mysql', url, file);
    const both = await Promise.all([0, 1].map(() => replayCommand({ config: [flow.dir], databaseUrl: url, format: 'json', progress: false, chunk: '20' })));
    for (const r of both) if (r.code === 1) expect(r.stderr).toMatch(/was replayed or purged by someone else meanwhile; run the replay again/u);
    expect(both.some((r) => r.code === 3)).toBe(true);
    await replay(flow, url);
    expect(await rows(url, ITEMS)).toEqual(await rows(clean, ITEMS));
    expect(await rows(url, TOTALS)).toEqual(await rows(clean, TOTALS));
    expect(await replay(flow, url)).toMatchObject({ applied: 0, failed_again: events.filter((e) => e.kind === 'too-long').length });
  });

  for (const kind of ['mysql', 'postgres'] as const) {
    it(`replays sc_dead_letters (--from runs) on ${kind}: dry run, killed -9 midway and run again, twice: nothing doubled`, async () => {
      const flow = lettersFlow(`replay${kind}`);
      onCleanup(() => flow.remove());
      const url = await database(kind, `replay${kind}`);
      const events = itemEvents(400);
      const long = events.filter((e) => e.kind === 'long').length;
      const tooLong = events.filter((e) => e.kind === 'too-long').length;
      const file = writeNdjson(flow.dir, flow.topic, events);
      await fileRun(flow, url, file);
      const clean = await fix(flow, kind, url, file);
      const before = await state(url);
      expect(before.letters).toHaveLength(long + tooLong);

      expect(await replay(flow, url, { dryRun: true })).toMatchObject({ applied: long, failed_again: tooLong });
      expect(await state(url)).toEqual(before);

      // The CLI, killed by the test hook after its 3rd committed chunk of 10 letters.
      const env: Record<string, string> = { ...process.env as Record<string, string>, SC_TEST_CRASH_AFTER_REPLAY_CHUNK: '3' };
      delete env.KAFKA_BROKERS;
      const child = spawnReplay(['dead-letters', 'replay', '--config', flow.dir, '--database-url', url, '--chunk', '10', '--no-progress'], env);
      onCleanup(() => child.kill('SIGKILL'));
      expect(await child.exited).toEqual({ code: null, signal: 'SIGKILL' });
      const midway = await rows(url, 'SELECT COUNT(*) AS n FROM sc_dead_letters');
      expect(Number((midway[0] as { n: number | string }).n)).toBeLessThan(long + tooLong);

      const rest = await replay(flow, url);
      expect(rest.failed_again).toBe(tooLong);
      expect(await rows(url, ITEMS)).toEqual(await rows(clean, ITEMS));
      expect(await rows(url, TOTALS)).toEqual(await rows(clean, TOTALS));
      expect(await replay(flow, url)).toMatchObject({ applied: 0, failed_again: tooLong });
      expect(await rows(url, TOTALS)).toEqual(await rows(clean, TOTALS));
      const left = (await rows(url, 'SELECT attempts FROM sc_dead_letters')) as Array<{ attempts: number | string }>;
      // Killed after 3 chunks: the too-long letters among the first 30 failed once more there.
      expect(left.map((l) => Number(l.attempts)).every((a) => a === 3 || a === 4)).toBe(true);
      expect(left).toHaveLength(tooLong);
    });
  }
});

/** The built CLI as a child (its stderr ignored), and its exit. */
function spawnReplay(args: string[], env: Record<string, string>): { kill(signal: NodeJS.Signals): void; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> } {
  const proc = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'ignore'] });
  let running = true;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.on('exit', (code, signal) => { running = false; resolve({ code, signal }); }));
  return { kill: (s) => { if (running) proc.kill(s); }, exited };
}
