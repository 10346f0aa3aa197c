/**
 * Default routes and messages without ids (issue 9 point 3): decoding, routing across the
 * projections of one group, and exactly-once by positions alone, on SQLite.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ENVELOPE, type Plan } from '../../compile/plan.js';
import { parseSpecText } from '../../spec/load.js';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import { envelopeDecoder, isBad, type DecodedEvent, type RawMessage } from '../apply/message.js';
import { GroupProcessor } from './processor.js';
import { groupRoutes } from '../apply/routes.js';
import { openSqliteSink } from '../sinks/sqlite.js';
import type { Sink } from '../sinks/sink.js';
import { newStats, type GroupStats } from '../ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

const raw = (value: string, offset = 0): RawMessage => ({ topic: 't', partition: 2, offset, key: null, value: Buffer.from(value) });

describe('decoding for default routes', () => {
  const decode = envelopeDecoder({ ...DEFAULT_ENVELOPE, type: '$.code', id: 'none' });
  const event = (value: string): DecodedEvent => {
    const d = decode(raw(value));
    if (isBad(d)) throw new Error(`bad: ${d.reason}`);
    return d;
  };

  it('still dead-letters bytes that are not JSON', () => {
    expect(decode(raw('{"code": "A", "data": {'))).toMatchObject({ reason: expect.stringMatching(/^value is not JSON/) });
  });

  it('keeps a JSON value that is not an object, without a type, and says why', () => {
    expect(event('["an","array"]')).toMatchObject({ value: ['an', 'array'], untyped: 'value is JSON but not an object (got an array)', typeText: null });
    expect(event('"just a string"')).toMatchObject({ value: 'just a string', untyped: 'value is JSON but not an object (got string)' });
    expect(event('42')).toMatchObject({ value: 42, untyped: 'value is JSON but not an object (got a number)' });
    expect(event('null')).toMatchObject({ value: null, untyped: 'value is JSON but not an object (got null)' });
    expect(event('["x"]').type).toBeUndefined();
  });

  it('reports a type that is not a string as what it is, never as missing', () => {
    expect(event('{"code":42}')).toMatchObject({ untyped: 'event type at $.code is a number', typeText: '42' });
    expect(event('{"code":null}')).toMatchObject({ untyped: 'event type at $.code is null', typeText: null });
    expect(event('{"code":true}')).toMatchObject({ untyped: 'event type at $.code is a boolean', typeText: 'true' });
    expect(event('{"code":{"a":1}}')).toMatchObject({ untyped: 'event type at $.code is an object', typeText: '{"a":1}' });
    expect(event('{"code":[1]}')).toMatchObject({ untyped: 'event type at $.code is an array', typeText: '[1]' });
    expect(event('{"code":""}')).toMatchObject({ untyped: 'event type at $.code is an empty string', typeText: '' });
    expect(event('{"data":{}}')).toMatchObject({ untyped: 'missing event type at $.code', typeText: null });
  });

  it('reads a string type, and no id under id: none', () => {
    const e = event('{"code":"USER_CREATED","event_id":"e1"}');
    expect(e).toMatchObject({ type: 'USER_CREATED', typeText: 'USER_CREATED' });
    expect(e.untyped).toBeUndefined();
    expect(e.id).toBeUndefined();
    expect(e.noId).toBeUndefined();
  });

  it('says an id is missing when the envelope expects one, without refusing the event', () => {
    const d = envelopeDecoder(DEFAULT_ENVELOPE)(raw('{"event_type":"x"}'));
    expect(d).toMatchObject({ type: 'x', noId: 'missing event id at $.event_id' });
  });
});

/*
 * Group g reads topic t with two projections: `router` handles A and has a default route;
 * `other` handles A and B and has none. Group s is a plain-records sink: no type, no id, a
 * default route only. Group n has no default route at all.
 */
const SPECS = `
projection: router
group: g
topics: [t]
envelope: { type: $.code, id: none }
tables:
  a_rows:
    key: [n]
    columns: { n: int, hits: { type: int, default: 0 } }
  unrouted:
    key: [src_topic, src_partition, src_offset]
    columns:
      src_topic: { type: string, length: 249 }
      src_partition: int
      src_offset: bigint
      code: { type: text, nullable: true }
      raw: json
      received_at: datetime
      src_key: { type: string, length: 64, nullable: true }
on:
  A:
    - increment: a_rows
      where: { n: $.n }
      by: { hits: 1 }
      create_missing: true
default:
  - insert: unrouted
    set:
      src_topic: $source.topic
      src_partition: $source.partition
      src_offset: $source.offset
      code: $type
      raw: $raw
      received_at: $now
      src_key: $source.key
---
projection: other
group: g
topics: [t]
envelope: { type: $.code, id: none }
tables:
  b_rows:
    key: [code, n]
    columns: { code: { type: string, length: 8 }, n: int }
on:
  A:
    - insert: b_rows
      set: { code: $type, n: $.n }
  B:
    - insert: b_rows
      set: { code: $type, n: $.n }
---
projection: sink
group: s
topics: [records]
tables:
  records:
    key: [id]
    columns: { id: { type: string, length: 16 }, name: { type: string, length: 32, nullable: true }, at: { type: datetime, nullable: true } }
default:
  - insert: records
    on_conflict: update
    set: { id: $.id, name: $.name, at: $source.timestamp }
---
projection: strict
group: n
topics: [strict]
envelope: { type: $.code }
unhandled: dlq
tables:
  s_rows:
    key: [id]
    columns: { id: { type: string, length: 16 } }
on:
  S:
    - insert: s_rows
      set: { id: $.event_id }
`;

let dir: string;
let plan: Plan;
let sink: Sink;
let stats: GroupStats;
let offset = 0;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-default-'));
  const v = validateLoaded(parseSpecText('specs.yaml', SPECS));
  expect(v.diagnostics).toEqual([]);
  plan = v.plan as Plan;
  await applyDdl(`sqlite:${join(dir, 'db.sqlite')}`, [...plan.tables, ...ENGINE_TABLES]);
  sink = openSqliteSink(`sqlite:${join(dir, 'db.sqlite')}`);
  stats = newStats();
  offset = 0;
});

afterEach(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

function processor(group = 'g', maxBatch?: number): GroupProcessor {
  return new GroupProcessor({ sink, routes: groupRoutes(plan, group), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, maxBatch, backoff: { initialMs: 1, maxMs: 2 } });
}
function msg(value: unknown, topic = 't', extra: Partial<RawMessage> = {}): RawMessage {
  return { topic, partition: 0, offset: offset++, key: null, value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), ...extra };
}
function rows(table: string): Array<Record<string, unknown>> {
  const db = new Database(join(dir, 'db.sqlite'), { readonly: true });
  try {
    const n = Math.min(3, (db.prepare(`PRAGMA table_info("${table}")`).all()).length);
    return db.prepare(`SELECT * FROM "${table}" ORDER BY ${Array.from({ length: n }, (_, i) => i + 1).join(', ')}`).all() as Array<Record<string, unknown>>;
  } finally {
    db.close();
  }
}

describe('default routes', () => {
  it('takes every message no handler of its projection takes, with the source coordinates, type text and raw value', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    await processor().process([
      msg({ code: 'PASSWORD_RESET', data: { user: 1 } }, 't', { key: Buffer.from('k1') }),
      msg({ data: { note: 'no code' } }),
      msg({ code: 42 }),
      msg({ code: null }),
      msg(['an', 'array']),
      msg('"just a string"'),
      msg('7'),
      msg('{"code": "A", "data": {'),
    ]);
    const unrouted = rows('unrouted');
    expect(unrouted.map((r) => [r.src_topic, r.src_partition, r.src_offset, r.code, JSON.parse(String(r.raw)), r.src_key])).toEqual([
      ['t', 0, 0, 'PASSWORD_RESET', { code: 'PASSWORD_RESET', data: { user: 1 } }, 'k1'],
      ['t', 0, 1, null, { data: { note: 'no code' } }, null],
      ['t', 0, 2, '42', { code: 42 }, null],
      ['t', 0, 3, null, { code: null }, null],
      ['t', 0, 4, null, ['an', 'array'], null],
      ['t', 0, 5, null, 'just a string', null],
      ['t', 0, 6, null, 7, null],
    ]);
    for (const r of unrouted) expect(String(r.received_at) >= before.replace('T', ' ').slice(0, 19)).toBe(true);
    expect(rows('sc_dead_letters')).toMatchObject([{ offset: 7, reason: expect.stringMatching(/^value is not JSON/) }]);
    expect(rows('sc_processed_events')).toEqual([]);
    expect(stats).toMatchObject({ applied: 7, deadLettered: 1, skippedUnhandled: 0, duplicates: 0 });
  });

  it('is per projection: a type another projection of the group handles still reaches this default route', async () => {
    await processor().process([msg({ code: 'A', n: 1 }), msg({ code: 'B', n: 2 }), msg({ code: 'C', n: 3 })]);
    // A: router's increment and other's insert; B: other's insert and router's default; C: router's default only.
    expect(rows('a_rows')).toEqual([{ n: 1, hits: 1 }]);
    expect(rows('b_rows')).toEqual([{ code: 'A', n: 1 }, { code: 'B', n: 2 }]);
    expect(rows('unrouted').map((r) => [r.src_offset, r.code])).toEqual([[1, 'B'], [2, 'C']]);
  });

  it('without ids, two equal messages in one batch are two messages, and a redelivery of their offsets changes nothing', async () => {
    const batch = [msg({ code: 'A', n: 5 }), msg({ code: 'A', n: 5 }), msg({ code: 'Z' }), msg({ code: 'Z' })];
    await processor().process(batch);
    expect(rows('a_rows')).toEqual([{ n: 5, hits: 2 }]);
    expect(rows('unrouted')).toHaveLength(2);
    // Kafka redelivers the same offsets (a crash before its offset commit, a rebalance): the stored positions skip them.
    await processor().process(batch);
    await processor(undefined, 1).process(batch);
    expect(rows('a_rows')).toEqual([{ n: 5, hits: 2 }]);
    expect(rows('unrouted')).toHaveLength(2);
    expect(stats.alreadyApplied).toBe(8);
    expect(stats.duplicates).toBe(0);
    expect(rows('sc_processed_events')).toEqual([]);
  });

  it('gives the same rows one message a transaction as in one batch', async () => {
    const stream = Array.from({ length: 40 }, (_, i) => (i % 5 === 0 ? ['x', i] : { code: ['A', 'B', 'C', null, 7][i % 5], n: i % 3 }));
    await processor().process(stream.map((v) => msg(v)));
    const batched = [rows('a_rows'), rows('b_rows'), rows('unrouted').map(({ received_at: _r, ...r }) => r)];
    await sink.close();
    rmSync(dir, { recursive: true, force: true });
    dir = mkdtempSync(join(tmpdir(), 'sc-default-'));
    await applyDdl(`sqlite:${join(dir, 'db.sqlite')}`, [...plan.tables, ...ENGINE_TABLES]);
    sink = openSqliteSink(`sqlite:${join(dir, 'db.sqlite')}`);
    offset = 0;
    await processor('g', 1).process(stream.map((v) => msg(v)));
    expect([rows('a_rows'), rows('b_rows'), rows('unrouted').map(({ received_at: _r, ...r }) => r)]).toEqual(batched);
  });

  it('upserts plain records (no event type, no id) into a table: the commonest sink', async () => {
    const at = Date.parse('2026-10-27T10:00:00Z');
    await processor('s').process([
      msg({ id: 'r1', name: 'one' }, 'records', { timestamp: at }),
      msg({ id: 'r2', name: 'two' }, 'records', { timestamp: at + 1000 }),
      msg({ id: 'r1', name: 'uno' }, 'records', { timestamp: at + 2000 }),
      msg({ name: 'no id' }, 'records'),
    ]);
    expect(rows('records')).toEqual([{ id: 'r1', name: 'uno', at: '2026-10-27 10:00:02.000' }, { id: 'r2', name: 'two', at: '2026-10-27 10:00:01.000' }]);
    // A record the default route cannot write is dead-lettered with the column at fault, nothing else.
    expect(rows('sc_dead_letters')).toMatchObject([{ offset: 3, reason: expect.stringMatching(/^\(default\): projection sink, insert records: key column id has no value at \$\.id \(missing or null\)/) }]);
    expect(stats).toMatchObject({ applied: 3, deadLettered: 1 });
  });

  it('de-duplicates by id the messages that have one, also on a default route', async () => {
    const e = { id: 'r9', name: 'x', event_id: 'e-9' };
    await processor('s').process([msg(e, 'records'), msg(e, 'records')]);
    await processor('s').process([msg(e, 'records')]);
    expect(rows('records')).toHaveLength(1);
    expect(rows('sc_processed_events')).toMatchObject([{ consumer_group: 's', event_id: 'e-9', event_type: '' }]);
    expect(stats.duplicates).toBe(2);
  });
});

describe.each([true, false])('messages with and without ids in one batch (claim by INSERT … RETURNING: %s)', (returning) => {
  it('claims the ids there are, applies the rest by position, and keeps the sequence', async () => {
    const p = () => new GroupProcessor({ sink: { ...sink, returning }, routes: groupRoutes(plan, 's'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
    const batch = [
      msg({ id: 'm1', name: 'a', event_id: 'e-1' }, 'records'),
      msg({ id: 'm1', name: 'b' }, 'records'),
      msg({ id: 'm1', name: 'c', event_id: 'e-1' }, 'records'),
      msg({ id: 'm2', name: 'd' }, 'records'),
      msg({ id: 'm1', name: 'e', event_id: 'e-2' }, 'records'),
    ];
    await p().process(batch);
    expect(rows('records')).toEqual([{ id: 'm1', name: 'e', at: null }, { id: 'm2', name: 'd', at: null }]);
    expect(stats).toMatchObject({ applied: 4, duplicates: 1 });
    // The same ids at new offsets are duplicates; the messages without one are new messages.
    await p().process([msg({ id: 'm1', name: 'f', event_id: 'e-2' }, 'records'), msg({ id: 'm3', name: 'g' }, 'records')]);
    expect(rows('records').map((r) => r.name)).toEqual(['e', 'd', 'g']);
    expect(rows('sc_processed_events').map((r) => r.event_id)).toEqual(['e-1', 'e-2']);
  });
});

describe('without a default route', () => {
  it('dead-letters a message without a usable type or id, and a type no handler names as unhandled says', async () => {
    await processor('n').process([
      msg({ code: 42, event_id: 'e1' }, 'strict'),
      msg({ code: null, event_id: 'e2' }, 'strict'),
      msg(['a'], 'strict'),
      msg({ code: 'S' }, 'strict'),
      msg({ code: 'OTHER', event_id: 'e3' }, 'strict'),
      msg({ code: 'S', event_id: 'e4' }, 'strict'),
    ]);
    expect(rows('s_rows')).toEqual([{ id: 'e4' }]);
    expect(rows('sc_dead_letters').map((r) => r.reason)).toEqual(expect.arrayContaining([
      'event type at $.code is a number', 'event type at $.code is null', 'value is JSON but not an object (got an array)',
      'S: missing event id at $.event_id', 'OTHER: no projection handles event type OTHER',
    ]));
    expect(rows('sc_dead_letters')).toHaveLength(5);
  });

  it('skips (and counts) a message of a type no projection of the group takes when unhandled is skip', async () => {
    await processor().process([msg({ code: 'B', n: 1 })]);
    // B: other takes it; router's default takes it too. Nothing is unhandled in group g, ever.
    expect(stats.skippedUnhandled).toBe(0);
    const p = validateLoaded(parseSpecText('x.yaml', 'projection: p\ngroup: q\ntopics: [t]\ntables: { r: { key: [id], columns: { id: int } } }\non: { X: [{ insert: r, set: { id: $.n } }] }\n'));
    const q = new GroupProcessor({ sink, routes: groupRoutes(p.plan as Plan, 'q'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
    await applyDdl(`sqlite:${join(dir, 'db.sqlite')}`, (p.plan as Plan).tables);
    await q.process([msg({ event_type: 'Y', event_id: 'y1' })]);
    expect(stats.skippedUnhandled).toBe(1);
  });
});
