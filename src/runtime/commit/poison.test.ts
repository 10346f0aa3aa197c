/**
 * Poison events: every error one event causes (its values, paths, depth, size) dead-letters that
 * event with a reason, and the rest of the batch commits. Issue 12, point 1.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRows, sqlitePlan, type SqlitePlan } from '../../../test/helpers/sqlite-plan.js';
import type { Plan } from '../../compile/plan.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { jsonPath, MAX_JSON_INDEX } from '../apply/bind.js';
import { silentLogger } from '../ops/log.js';
import type { RawMessage } from '../apply/message.js';
import { lineToMessage } from '../sources/ndjson/reader.js';
import { FatalError, GroupProcessor } from './processor.js';
import { classify } from './retry.js';
import { groupRoutes } from '../apply/routes.js';
import type { Sink } from '../sinks/sink.js';
import { newStats, type GroupStats } from '../ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

const SPEC = `
projection: docs
group: g
topics: [docs]
tables:
  docs:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      same: { type: boolean, default: false }
      found: { type: json, nullable: true }
      body: { type: json, nullable: true }
      lines: { type: json, nullable: true }
      n: { type: int, default: 0 }
on:
  doc.created:
    - insert: docs
      set:
        id: $.entity_id
        same: { equals: [$.data.a, $.data.b] }
        found: $.data..x
        body: { json: $.data.body }
        lines: { json: $.data.lines }
  doc.bumped:
    - increment: docs
      by: { n: $.data.by }
  doc.line:
    - update: docs
      set:
        lines: { replace_in: [$.data.line_no, status], value: $.data.status }
`;

let db: SqlitePlan;
let plan: Plan;
let sink: Sink;
let stats: GroupStats;
let nextOffset = 0;

beforeEach(async () => {
  db = await sqlitePlan(SPEC, 'sc-poison-');
  ({ plan, sink } = db);
  stats = newStats();
});

afterEach(async () => {
  await db.close();
});

function processor(): GroupProcessor {
  return new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, backoff: { initialMs: 1, maxMs: 2 } });
}
function msg(value: string): RawMessage {
  return { topic: 'docs', partition: 0, offset: nextOffset++, key: null, value: Buffer.from(value) };
}
function ev(type: string, id: string, entity: unknown, data: unknown): string {
  return JSON.stringify({ event_type: type, event_id: id, entity_id: entity, entity_version: 1, data });
}
function rows(table: string): Array<Record<string, unknown>> {
  return readRows(db.file, table);
}
/** `{"a":{"a":…}}` n levels deep around `inner`, as text (JSON.stringify would overflow first). */
function deep(n: number, inner = '1', key = 'a'): string {
  return `{"${key}":`.repeat(n) + inner + '}'.repeat(n);
}
const deepArray = (n: number): string => '['.repeat(n) + ']'.repeat(n);

describe('poison events', () => {
  it('dead-letters each poison event with its reason and commits the good ones around it', async () => {
    const good = (i: number) => msg(ev('doc.created', `g${i}`, `k${i}`, { lines: [{ status: 'new' }, { status: 'new' }] }));
    const poison: Array<[string, RegExp]> = [
      [ev('doc.created', 'p1', { toString: 1 }, {}), /column docs\.id \(string\): expected a string, got an object/],
      [ev('doc.created', 'p2', { valueOf: 1, toString: 2 }, {}), /column docs\.id \(string\): expected a string/],
      [ev('doc.line', 'p3', 'k0', { line_no: 1e300, status: 'x' }), /replace_in docs\.lines: array index 1e\+300 is not an integer from 0 to 2147483647/],
      [ev('doc.line', 'p4', 'k0', { line_no: 4294967296, status: 'x' }), /array index 4294967296 is not an integer/],
      [ev('doc.line', 'p5', 'k0', { line_no: 1.5, status: 'x' }), /array index 1\.5 is not an integer/],
      [ev('doc.line', 'p6', 'k0', { line_no: -1, status: 'x' }), /array index -1 is not an integer/],
      [ev('doc.line', 'p7', 'k0', { line_no: { a: 1 }, status: 'x' }), /an object is neither an array index nor a key/],
      [`{"event_type":"doc.created","event_id":"p8","entity_id":"d8","data":{"a":${deep(10_000)},"b":${deep(10_000)}}}`, /nested too deeply|nests deeper/],
      [`{"event_type":"doc.created","event_id":"p9","entity_id":"d9","data":${deep(10_000, '1', 'x')}}`, /nested too deeply|nests deeper/],
      [`{"event_type":"doc.bumped","event_id":"p10","entity_id":"k1","data":{"by":${deep(10_000)}}}`, /cannot add an object to docs\.n: not a number/],
      [`{"event_type":"doc.line","event_id":"p11","entity_id":"k0","data":{"line_no":0,"status":${deepArray(10_000)}}}`, /nests deeper than 31 levels/],
      [`{"event_type":"doc.created","event_id":"p12","entity_id":"d12","data":{"body":${deepArray(32)}}}`, /column docs\.body \(json\): the value nests deeper than 31 levels/],
    ];
    const messages: RawMessage[] = [good(0), good(1)];
    for (const [text] of poison) messages.push(msg(text), good(messages.length));
    await processor().process(messages);
    const letters = rows('sc_dead_letters').sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(letters.map((l) => l.reason)).toEqual(poison.map(([, reason]) => expect.stringMatching(reason)));
    // Every good event committed, in the same batch as the poison ones.
    expect(rows('docs').map((r) => r.id).sort()).toEqual(Array.from({ length: poison.length + 2 }, (_, i) => i < 2 ? `k${i}` : `k${2 * i - 2}`).sort());
    expect(stats.deadLettered).toBe(poison.length);
    expect(stats.batches).toBe(1);
  });

  it('accepts a json value 31 levels deep and array indexes up to 2^31 - 1', async () => {
    await processor().process([
      msg(`{"event_type":"doc.created","event_id":"a","entity_id":"d","data":{"body":${deepArray(31)},"lines":[{"status":"new"}]}}`),
      msg(ev('doc.line', 'b', 'd', { line_no: 0, status: 'done' })),
      msg(ev('doc.line', 'c', 'd', { line_no: MAX_JSON_INDEX, status: 'never' })),
      msg(ev('doc.line', 'e', 'd', { line_no: '0', status: 'again' })),
    ]);
    expect(rows('sc_dead_letters')).toEqual([]);
    expect(rows('docs')).toMatchObject([{ id: 'd', lines: '[{"status":"again"}]' }]);
  });

  it('records no entity id text for an entity id that is an object (String() of it would throw)', async () => {
    const spec = SPEC.replace('id: $.entity_id', 'id: $.data.id');
    const v = validateLoaded(parseSpecText('spec.yaml', spec));
    plan = v.plan as Plan;
    await processor().process([msg(ev('doc.created', 'o1', { toString: 1 }, { id: 'x' }))]);
    expect(rows('docs')).toMatchObject([{ id: 'x' }]);
    expect(rows('sc_processed_events')).toMatchObject([{ event_id: 'o1', entity_id: null }]);
  });

  it('passes the bytes of an NDJSON line\'s deeply nested value on as they are (never re-encoded: issue 18 item 3)', () => {
    const m = lineToMessage(`{"topic":"docs","value":${deep(10_000)}}`, 4);
    expect(m.invalid).toBeUndefined();
    expect(m.value?.toString('utf8')).toBe(deep(10_000));
  });

  it('dead-letters unexpected evaluation errors, but stops the group when every event fails that way', async () => {
    const routes = groupRoutes(plan, 'g');
    const broken = { ...routes, route: () => [{ projection: 'docs', ops: [() => { throw new TypeError('engine bug'); }], extract: () => [] }] };
    const p = new GroupProcessor({ sink, routes: broken, deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger });
    await p.process([msg(ev('doc.created', 'u1', 'a', {}))]);
    expect(rows('sc_dead_letters')).toMatchObject([{ reason: 'doc.created: unexpected error evaluating the event: engine bug', projection: 'docs' }]);
    const many = Array.from({ length: 120 }, (_, i) => msg(ev('doc.created', `u${i + 2}`, 'a', {})));
    await expect(p.process(many)).rejects.toBeInstanceOf(FatalError);
  });
});

describe('jsonPath', () => {
  it('builds paths of integer indexes in range and non-empty keys', () => {
    expect(jsonPath([0, 'status'])).toEqual({ path: '$[0]."status"' });
    expect(jsonPath(['12', 'a b'])).toEqual({ path: '$[12]."a b"' });
    expect(jsonPath([null, 'x'])).toEqual({ missing: 0 });
    expect(jsonPath([1, undefined])).toEqual({ missing: 1 });
    expect(jsonPath(['007'])).toMatchObject({ invalid: expect.stringMatching(/not an integer/) });
    expect(jsonPath([''])).toMatchObject({ invalid: expect.stringMatching(/neither/) });
    expect(jsonPath([true])).toMatchObject({ invalid: expect.stringMatching(/neither/) });
  });
});

describe('classify', () => {
  it('waits out a full disk and dead-letters an oversize statement', () => {
    expect(classify(Object.assign(new Error('The table is full'), { errno: 1114, code: 'ER_RECORD_FILE_FULL' }))).toBe('transient');
    expect(classify(Object.assign(new Error('Disk full'), { errno: 1021 }))).toBe('transient');
    expect(classify(Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }))).toBe('transient');
    expect(classify(Object.assign(new Error('Got a packet bigger than max_allowed_packet'), { errno: 1153, fatal: true }))).toBe('data');
    expect(classify(Object.assign(new Error("Table 'x' doesn't exist"), { errno: 1146 }))).toBe('fatal');
  });
});

describe('dead letters that do not fit', () => {
  it('cuts a Kafka letter larger than the dead-letter topic accepts, and says so in its headers', async () => {
    const { fitLetter } = await import('../sources/kafka/client.js');
    const value = Buffer.alloc(3_000_000, 'a');
    const cut = fitLetter(Buffer.from('k'), value, { 'sc-reason': 'bad' }, 1_048_588);
    expect(cut.value?.length).toBeLessThan(1_048_588 - 4096);
    expect(cut.value?.equals(value.subarray(0, cut.value.length))).toBe(true);
    expect(cut.headers).toMatchObject({ 'sc-reason': 'bad', 'sc-original-value-bytes': '3000000', 'sc-value-cut': expect.stringMatching(/^kept the first \d+ of 3000000 value bytes: the letter is larger than the dead-letter topic's max\.message\.bytes \(1048588\)$/) });
    const small = fitLetter(null, Buffer.from('x'), { 'sc-reason': 'bad' }, 1_048_588);
    expect(small).toEqual({ key: null, value: Buffer.from('x'), headers: { 'sc-reason': 'bad' } });
  });

  it('cuts a table letter whose value is larger than one statement may carry', async () => {
    const { fittedDeadLetterRow } = await import('../outputs/dead-letters/index.js');
    const r = fittedDeadLetterRow({ msg: { topic: 't', partition: 0, offset: 1, key: null, value: Buffer.alloc(1000, 'v') }, group: 'g', projection: null, eventType: null, reason: 'bad' }, 400);
    expect(Buffer.from(r.value ?? '', 'base64').length).toBe(300);
    expect(r.reason).toBe('bad [value cut: kept the first 300 of 1000 bytes, more than the database accepts in one statement]');
  });
});
