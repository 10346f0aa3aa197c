import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRows, sqlitePlan, type SqlitePlan } from '../../../test/helpers/sqlite-plan.js';
import type { Plan } from '../../compile/plan.js';
import { silentLogger } from '../ops/log.js';
import type { RawMessage } from '../apply/message.js';
import { FatalError, GroupProcessor } from './processor.js';
import { groupRoutes } from '../apply/routes.js';
import type { Sink } from '../sinks/sink.js';
import { newStats, type GroupStats } from '../ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

const SPEC = `
projection: things
group: g
topics: [things, other]
tables:
  things:
    key: [id]
    version: entity_version
    unique: [[code]]
    columns:
      id: { type: string, length: 16 }
      name: { type: string, length: 8, nullable: true }
      code: { type: string, length: 8, nullable: true }
      hits: { type: int, default: 0 }
  thing_log:
    log: true
    columns: { id: { type: string, length: 16 } }
on:
  thing.created:
    - insert: things
      on_conflict: { update: [name] }
      set: { id: $.entity_id, name: $.data.name, code: { path: $.data.code, default: null } }
    - log: thing_log
      set: { id: $.entity_id }
  thing.renamed:
    - update: things
      set: { name: $.data.name }
  thing.coded:
    - update: things
      set: { code: $.data.code }
  thing.hit:
    - increment: things
      where: { id: $.data.target }
      by: { hits: 1 }
      create_missing: true
`;

let db: SqlitePlan;
let plan: Plan;
let sink: Sink;
let stats: GroupStats;

beforeEach(async () => {
  db = await sqlitePlan(SPEC, 'sc-proc-');
  ({ plan, sink } = db);
  stats = newStats();
});

afterEach(async () => {
  await db.close();
});

/** Which claim the processor uses: INSERT … RETURNING, or SELECT then INSERT (MySQL). */
let returning = true;

function processor(o: { maxBatch?: number; sink?: Sink } = {}): GroupProcessor {
  return new GroupProcessor({ sink: { ...(o.sink ?? sink), returning }, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, maxBatch: o.maxBatch, backoff: { initialMs: 1, maxMs: 2 } });
}

let nextOffset = 0;
function msg(value: unknown, topic = 'things'): RawMessage {
  return { topic, partition: 0, offset: nextOffset++, key: null, value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)) };
}
function ev(type: string, id: string, entity: string, version: number, data: Record<string, unknown> = {}): unknown {
  return { event_type: type, event_id: id, entity_id: entity, entity_version: version, timestamp: '2026-01-05T10:00:00Z', data };
}
function rows(table: string): unknown[] {
  return readRows(db.file, table);
}

/** Apply the stream in one batch, then into a fresh database one message a transaction: the same rows. */
async function expectSameBatchedAsOneByOne(stream: unknown[]): Promise<void> {
  await processor().process(stream.map((e) => msg(e)));
  const batched = rows('things');
  await db.close();
  db = await sqlitePlan(SPEC, 'sc-proc-');
  ({ plan, sink } = db);
  await processor({ maxBatch: 1 }).process(stream.map((e) => msg(e)));
  expect(rows('things')).toEqual(batched);
}

describe.each([true, false])('GroupProcessor (claim by INSERT … RETURNING: %s)', (claimReturning) => {
  beforeEach(() => {
    returning = claimReturning;
  });

  it('applies once: a redelivery at new offsets and a replay of old offsets change nothing', async () => {
    const stream = [ev('thing.created', 'e1', 'a', 1, { name: 'one' }), ev('thing.renamed', 'e2', 'a', 2, { name: 'uno' }), ev('thing.hit', 'e3', 'x', 1, { target: 'a' })];
    const first = stream.map((e) => msg(e));
    await processor().process(first);
    const after = [rows('things'), rows('thing_log')];
    await processor().process(stream.map((e) => msg(e)));
    await processor().process(first);
    expect([rows('things'), rows('thing_log')]).toEqual(after);
    expect(after[0]).toEqual([{ id: 'a', name: 'uno', code: null, hits: 1, entity_version: 2 }]);
    expect(stats.duplicates).toBe(3);
    expect(stats.alreadyApplied).toBe(3);
  });

  it('skips stale and duplicate entity versions on a versioned table', async () => {
    await processor().process([
      msg(ev('thing.created', 'e1', 'a', 1, { name: 'one' })),
      msg(ev('thing.renamed', 'e3', 'a', 3, { name: 'three' })),
      msg(ev('thing.renamed', 'e2', 'a', 2, { name: 'two' })),
      msg(ev('thing.renamed', 'e4', 'a', 3, { name: 'again' })),
    ]);
    expect(rows('things')).toEqual([{ id: 'a', name: 'three', code: null, hits: 0, entity_version: 3 }]);
  });

  it('applies the highest version of successive guarded updates of one row in a batch', async () => {
    await processor().process([
      msg(ev('thing.created', 'e1', 'a', 1, { name: 'one' })),
      msg(ev('thing.renamed', 'e2', 'a', 2, { name: 'two' })),
      msg(ev('thing.renamed', 'e4', 'a', 4, { name: 'four' })),
      msg(ev('thing.renamed', 'e3', 'a', 3, { name: 'three' })),
    ]);
    expect(rows('things')).toEqual([{ id: 'a', name: 'four', code: null, hits: 0, entity_version: 4 }]);
    await processor().process([msg(ev('thing.renamed', 'e5', 'a', 3, { name: 'late' })), msg(ev('thing.renamed', 'e6', 'a', 5, { name: 'five' }))]);
    expect(rows('things')).toMatchObject([{ name: 'five', entity_version: 5 }]);
  });

  it('creates a stub row for a counter and keeps the counter when the row is created', async () => {
    await processor().process([msg(ev('thing.hit', 'h1', 'x', 1, { target: 'b' }), 'other'), msg(ev('thing.hit', 'h2', 'y', 1, { target: 'b' }), 'other')]);
    await processor().process([msg(ev('thing.created', 'c1', 'b', 1, { name: 'bee' }))]);
    expect(rows('things')).toEqual([{ id: 'b', name: 'bee', code: null, hits: 2, entity_version: 1 }]);
  });

  it('gives the same rows one message per transaction as in one batch', async () => {
    const stream = Array.from({ length: 30 }, (_, i) => ev(i % 3 === 0 ? 'thing.created' : 'thing.hit', `e${i}`, `k${i % 4}`, i + 1, { name: `n${i % 5}`, target: `k${i % 4}` }));
    await expectSameBatchedAsOneByOne(stream);
  });

  it('gives the same rows batched as one message a transaction for shuffled versions, duplicates and counters', async () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const stream: unknown[] = ['a', 'b', 'c'].map((id) => ev('thing.created', `c-${id}`, id, 1, { name: id }));
    for (let i = 0; i < 120; i++) {
      const id = ['a', 'b', 'c'][rnd(3)] as string;
      const pick = rnd(3);
      if (pick === 0) stream.push(ev('thing.renamed', `r${i}`, id, 2 + rnd(40), { name: `n${i}` }));
      else if (pick === 1) stream.push(ev('thing.hit', `h${i}`, 'x', 1, { target: id }));
      else stream.push(stream[rnd(stream.length)]);
    }
    await expectSameBatchedAsOneByOne(stream);
  });

  it('dead-letters bad messages with their reason and applies the rest', async () => {
    await processor().process([
      msg('{trunc'), msg('[1,2]'), msg('"text"'), msg({ event_id: 'x' }), msg({ event_type: 'thing.created' }),
      msg(ev('thing.created', 'e1', 'a', 1, { name: 'far too long a name' })),
      msg(ev('thing.unknown', 'e2', 'a', 2)),
      msg(ev('thing.created', 'e3', 'b', 1, { name: 'bee' })),
      msg(ev('thing.created', 'é'.repeat(129), 'c', 1, { name: 'sea' })),
    ]);
    expect(rows('things')).toMatchObject([{ id: 'b', name: 'bee' }]);
    const reasons = (rows('sc_dead_letters') as Array<{ reason: string; offset: number }>).sort((a, b) => a.offset - b.offset).map((r) => r.reason);
    expect(reasons).toEqual([
      expect.stringMatching(/not JSON/), expect.stringMatching(/not an object/), expect.stringMatching(/not an object/),
      expect.stringMatching(/missing event type/), expect.stringMatching(/missing event id/),
      expect.stringMatching(/^thing\.created: column things\.name \(string\): value of 19 characters is longer than 8$/),
      expect.stringMatching(/^event id at \$\.event_id is longer than 128 characters$/),
    ]);
    expect(stats.skippedUnhandled).toBe(1);
  });

  it('dead-letters an insert without entity_version on a version-guarded table (no row at version 0)', async () => {
    await processor().process([msg({ event_type: 'thing.created', event_id: 'nv', entity_id: 'a', data: { name: 'a' } }), msg(ev('thing.created', 'v1', 'b', 1, { name: 'b' }))]);
    expect(rows('things')).toMatchObject([{ id: 'b', entity_version: 1 }]);
    expect(rows('sc_dead_letters')).toMatchObject([{ reason: 'thing.created: table things is version-guarded but the event has no integer version at $.entity_version' }]);
  });

  it('splits a batch the database rejects until the one bad event is dead-lettered', async () => {
    const stream = [
      ev('thing.created', 'c1', 'a', 1, { name: 'a', code: 'A' }),
      ev('thing.created', 'c2', 'b', 1, { name: 'b', code: 'B' }),
      ...Array.from({ length: 10 }, (_, i) => ev('thing.hit', `h${i}`, 'z', 1, { target: 'a' })),
      ev('thing.coded', 'bad', 'b', 2, { code: 'A' }), // violates unique(code)
      ev('thing.renamed', 'r1', 'b', 3, { name: 'bee' }),
    ];
    await processor().process(stream.map((e) => msg(e)));
    expect(rows('things')).toMatchObject([{ id: 'a', hits: 10, code: 'A' }, { id: 'b', name: 'bee', code: 'B' }]);
    expect(rows('sc_dead_letters')).toMatchObject([{ reason: expect.stringMatching(/^thing\.coded: database rejected the event: UNIQUE/) }]);
  });

  it('retries a transient database error without skipping anything', async () => {
    let failures = 2;
    const flaky: Sink = { ...sink, transaction: (fn) => (failures-- > 0 ? Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' })) : sink.transaction(fn)) };
    await processor({ sink: flaky }).process([msg(ev('thing.created', 'e1', 'a', 1, { name: 'one' }))]);
    expect(rows('things')).toHaveLength(1);
    expect(stats.retries).toBeGreaterThanOrEqual(2);
  });

  it('stops on an error that retrying cannot fix', async () => {
    const missing = Object.assign(new Error("Table 'x' doesn't exist"), { errno: 1146 });
    const broken: Sink = {
      ...sink,
      transaction: (fn) => sink.transaction((tx, start) => fn({ ...tx, exec: async (st) => (st.sql.includes('"things"') ? Promise.reject(missing) : tx.exec(st)) }, start)),
    };
    const first = nextOffset;
    const failing = processor({ sink: broken }).process([msg(ev('thing.created', 'e1', 'a', 1)), msg(ev('thing.created', 'e2', 'b', 1))]);
    await expect(failing).rejects.toBeInstanceOf(FatalError);
    // The message names the group, the topic/partition/offsets and the database's reason.
    await expect(failing).rejects.toThrow(`group g: commit of things/0 offsets ${first}–${first + 1} failed: Table 'x' doesn't exist`);
  });
});

describe('GroupProcessor with a concurrent consumer', () => {
  it('retries when another consumer claimed the same event ids first, and dead-letters nothing', async () => {
    returning = false;
    let raced = false;
    // The other consumer committed these event ids after our read: our claim hits its key.
    const racing: Sink = {
      ...sink,
      transaction: (fn) => sink.transaction((tx, start) => fn({
        ...tx,
        exec: async (st) => {
          if (!raced && st.sql.startsWith('INSERT INTO "sc_processed_events"')) {
            raced = true;
            throw Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
          }
          return tx.exec(st);
        },
      }, start)),
    };
    await processor().process([msg(ev('thing.created', 'c1', 'a', 1, { name: 'a' }))]);
    await processor({ sink: racing }).process([msg(ev('thing.hit', 'h1', 'x', 1, { target: 'a' }), 'other')]);
    expect(rows('things')).toMatchObject([{ id: 'a', hits: 1 }]);
    expect(rows('sc_dead_letters')).toEqual([]);
    expect(stats.retries).toBe(1);
  });
});
