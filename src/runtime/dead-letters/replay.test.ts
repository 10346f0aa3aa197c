/**
 * Replaying table letters on SQLite (issue 23): a spec whose column was too short left letters; the
 * fixed spec replays them through the engine. A dry run changes no row; the replay leaves the
 * tables a clean run of the fixed spec leaves, its letters gone, the ones still failing kept with
 * attempt 2 and the new reason, and the live group's positions unmoved; a replay cut short and run
 * again, or run twice, applies nothing twice (the counters would show it).
 */
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import { validatePaths } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import { createRuntime } from '../runtime.js';
import { openSink } from '../sinks/open.js';
import type { Sink } from '../sinks/sink.js';
import { itemEvents, lettersFlow, writeNdjson, FIXED, type LettersFlow } from '../../../test/helpers/letters-scenario.js';
import { ReplayMetrics } from './metrics.js';
import { replayLetters, type ReplayOptions } from './replay.js';
import { tableChunks, type LetterChunks } from './source.js';

async function fileRun(flow: LettersFlow, url: string, file: string): Promise<void> {
  const rt = await createRuntime({ config: flow.dir, databaseUrl: url, from: file, logger: silentLogger, statsInterval: 0, progress: false });
  await rt.start();
  await rt.done;
}

function read(url: string, sql: string): unknown[] {
  const d = new Database(url.replace(/^sqlite:/u, ''), { readonly: true });
  try {
    return d.prepare(sql).all();
  } finally {
    d.close();
  }
}
const ITEMS = 'SELECT item_id, name, size FROM items ORDER BY item_id';
const TOTALS = 'SELECT bucket, items, size_sum FROM totals ORDER BY bucket';
const LETTERS = 'SELECT topic, "offset", attempts, reason FROM sc_dead_letters ORDER BY "offset"';
const POSITIONS = 'SELECT consumer_group, topic, "partition", next_offset FROM sc_consumer_positions ORDER BY consumer_group';

function planOf(flow: LettersFlow): Plan {
  const v = validatePaths([flow.dir]);
  if (v.plan === undefined) throw new Error(JSON.stringify(v.diagnostics));
  return v.plan;
}

/** A database the short spec ran the events into, and one a clean run of the fixed spec made. */
async function scenario(n: number, output = false): Promise<{ flow: LettersFlow; url: string; clean: string; sink: Sink; replay: (o?: Partial<ReplayOptions>) => ReturnType<typeof replayLetters> }> {
  const flow = lettersFlow('replay', { output });
  const dir = mkdtempSync(join(tmpdir(), 'sc-replay-'));
  const file = writeNdjson(dir, flow.topic, itemEvents(n));
  const url = `sqlite:${join(dir, 'broken.db')}`;
  await fileRun(flow, url, file);
  flow.writeSpec(FIXED);
  const clean = `sqlite:${join(dir, 'clean.db')}`;
  await fileRun(flow, clean, file);
  const sink = await openSink(url);
  const plan = planOf(flow);
  const replay = (o: Partial<ReplayOptions> = {}) => replayLetters({ plan, sink, letters: tableChunks(sink, {}, undefined, 7), filter: {}, dryRun: false, log: silentLogger, maxBatch: 3, ...o });
  return { flow, url, clean, sink, replay };
}

describe('dead-letters replay (SQLite)', () => {
  it('a dry run says what would apply and fail, and changes no row', async () => {
    const { url, sink, replay } = await scenario(60);
    const before = [read(url, ITEMS), read(url, TOTALS), read(url, LETTERS), read(url, POSITIONS)];
    const r = await replay({ dryRun: true });
    expect(r).toMatchObject({ dryRun: true, applied: 14, failedAgain: 2, skipped: 0 });
    expect(r.byReason).toEqual([{ reason: expect.stringMatching(/^item\.made: .*name.*longer than N$/u) as unknown, count: 2 }]);
    expect([read(url, ITEMS), read(url, TOTALS), read(url, LETTERS), read(url, POSITIONS)]).toEqual(before);
    await sink.close();
  });

  it('applies the letters once through the fixed spec: the tables equal a clean run, failures stay with attempt 2, positions do not move', async () => {
    const { url, clean, sink, replay } = await scenario(60);
    const positions = read(url, POSITIONS);
    const metrics = new ReplayMetrics();
    const r = await replay({ observer: metrics });
    expect(r).toMatchObject({ applied: 14, failedAgain: 2, skipped: 0 });
    const text = (await metrics.text()).body;
    expect(text).toMatch(/sc_project_dead_letters_replayed_total\{group="it-replay-[0-9a-f]+",outcome="applied"\} 14\n/u);
    expect(text).toMatch(/sc_project_dead_letters_replayed_total\{group="it-replay-[0-9a-f]+",outcome="failed_again"\} 2\n/u);
    expect(read(url, ITEMS)).toEqual(read(clean, ITEMS));
    expect(read(url, TOTALS)).toEqual(read(clean, TOTALS));
    expect(read(url, POSITIONS)).toEqual(positions);
    const left = read(url, LETTERS) as Array<{ offset: number; attempts: number; reason: string }>;
    expect(left.map((l) => [l.offset, l.attempts])).toEqual([[24, 2], [49, 2]]);
    expect(left[0]?.reason).toMatch(/longer than 40/u);
    // Again: nothing new applies, the failures count one attempt more.
    const again = await replay();
    expect(again).toMatchObject({ applied: 0, failedAgain: 2 });
    expect(read(url, TOTALS)).toEqual(read(clean, TOTALS));
    expect((read(url, LETTERS) as Array<{ attempts: number }>).map((l) => l.attempts)).toEqual([3, 3]);
    await sink.close();
  });

  it("writes a replayed event's HTTP output records to the outbox, for the running engine to send", async () => {
    const { url, sink, replay } = await scenario(60, true);
    const count = (): number => Number((read(url, 'SELECT COUNT(*) AS n FROM sc_http_records')[0] as { n: number }).n);
    const before = count();
    expect((await replay({ dryRun: true })).applied).toBe(14);
    expect(count()).toBe(before);
    expect((await replay()).applied).toBe(14);
    expect(count()).toBe(before + 14);
    await sink.close();
  });

  it('a replay cut short after some transactions, run again, applies every letter once', async () => {
    const { url, clean, sink, replay } = await scenario(120);
    // The source stops after its second chunk, as a kill would between two transactions.
    let chunks = 0;
    const cut: LetterChunks = (each, signal) => tableChunks(sink, {}, undefined, 7)(async (l) => (++chunks <= 2 ? each(l) : false), signal);
    const first = await replay({ letters: cut });
    expect(first.applied + first.failedAgain).toBe(14);
    const rest = await replay();
    expect(first.applied + rest.applied).toBe(29);
    expect(read(url, ITEMS)).toEqual(read(clean, ITEMS));
    expect(read(url, TOTALS)).toEqual(read(clean, TOTALS));
    await sink.close();
  });
});
