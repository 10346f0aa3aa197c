/**
 * Issue 12, point 4: the same events give the same rows on every database. A fast-check property
 * generates a spec (string lengths, decimal precision and scale, counter defaults) and a stream
 * of events (inserts, upserts, updates, increments with and without create_missing, decrements,
 * deletes; edge values of every column type, duplicate and near-duplicate event ids, keys that
 * differ only in trailing spaces or case), runs it through the real processor on SQLite (the
 * embedded path) and on every server database (MariaDB, PostgreSQL: issue 20, three ways), and
 * compares the tables cell by cell, which events were dead-lettered, and which ids were recorded.
 * JSON compares canonically (PostgreSQL's jsonb reorders keys and spells numbers its own way).
 * Seeded (SC_PARITY_SEED), bounded in time.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMessages, engineState, planOf, sqliteFile, tableOf } from '../helpers/parity.js';
import { eachServer, type FreshDb } from '../helpers/services.js';
import type { RawMessage } from '../../src/runtime/apply/message.js';

const SEED = Number(process.env.SC_PARITY_SEED ?? 20261201);
const RUNS = Number(process.env.SC_PARITY_RUNS ?? 12);
const EVENTS = { min: 90, max: 130 };
/** The issue asks for at least a thousand compared events per run of the test. */
const MIN_EVENTS = 1000;
const TIME_LIMIT_MS = 180_000;
// Shrinking replays on both databases for minutes; SC_PARITY_SHRINK=1 asks for a minimal case.

/** A JSON number written as the producer wrote it (past 2^53, many digits), not as JS prints it. */
class RawNumber {
  constructor(readonly text: string) {}
}

function jsonText(v: unknown): string {
  if (v instanceof RawNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

interface Shape {
  n: number;
  length: number;
  precision: number;
  scale: number;
  counterPrecision: number;
  counterScale: number;
  intDefault: number;
  decimalDefault: string;
}

const shapeArb = (n: number): fc.Arbitrary<Shape> =>
  fc.record({
    length: fc.integer({ min: 1, max: 6 }),
    precision: fc.integer({ min: 1, max: 15 }),
    scaleFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    counterPrecision: fc.integer({ min: 3, max: 15 }),
    counterScaleFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    intDefault: fc.constantFrom(0, 5, -3, 2147483640, -2147483640),
  }).map((r) => {
    const scale = Math.min(6, Math.floor(r.scaleFrac * (r.precision + 1)));
    const counterScale = Math.min(4, Math.floor(r.counterScaleFrac * r.counterPrecision));
    return {
      n, length: r.length, precision: r.precision, scale: Math.min(scale, r.precision),
      counterPrecision: r.counterPrecision, counterScale,
      intDefault: r.intDefault, decimalDefault: counterScale > 0 ? '0.5' : '1',
    };
  });

function specYaml(s: Shape): string {
  // The rows' guarded operations find their row by the entity id (issue 17), which is data.k in every event.
  const all = '{ k: $.entity_id, s: $.data.s, t: $.data.t, i: $.data.i, b: $.data.b, d: $.data.d, f: $.data.f, dt: $.data.dt, j: $.data.j }';
  return `
projection: diff${s.n}
group: diff-${s.n}
topics: [diff-${s.n}]
tables:
  d${s.n}_rows:
    key: [k]
    version: entity_version
    columns:
      k: { type: string, length: 8 }
      s: { type: string, length: ${s.length}, nullable: true }
      t: { type: text, nullable: true }
      i: { type: int, nullable: true }
      b: { type: bigint, nullable: true }
      d: { type: decimal, precision: ${s.precision}, scale: ${s.scale}, nullable: true }
      f: { type: boolean, nullable: true }
      dt: { type: datetime, nullable: true }
      j: { type: json, nullable: true }
  d${s.n}_counts:
    key: [k]
    columns:
      k: { type: string, length: 8 }
      ci: { type: int, default: ${s.intDefault} }
      cb: { type: bigint, default: 0 }
      cd: { type: decimal, precision: ${s.counterPrecision}, scale: ${s.counterScale}, default: ${s.decimalDefault} }
      note: { type: string, length: ${s.length}, nullable: true }
on:
  row.put:
    - insert: d${s.n}_rows
      set: ${all}
      on_conflict: update
  row.add:
    - insert: d${s.n}_rows
      set: ${all}
      on_conflict: ignore
  row.set:
    - update: d${s.n}_rows
      where: { k: $.entity_id }
      set: { s: $.data.s, d: $.data.d, i: $.data.i, dt: $.data.dt }
  row.fix:
    - update: d${s.n}_rows
      where: { k: $.data.k }
      guard: false
      set: { b: $.data.b, f: $.data.f, j: $.data.j }
  row.inc:
    - increment: d${s.n}_counts
      where: { k: $.data.k }
      by: { ci: $.data.i, cb: $.data.b, cd: $.data.d }
      set: { note: $.data.s }
      create_missing: true
  row.bump:
    - increment: d${s.n}_counts
      where: { k: $.data.k }
      by: { ci: $.data.i, cd: $.data.d }
  row.dec:
    - decrement: d${s.n}_counts
      where: { k: $.data.k }
      by: { cb: $.data.b, cd: $.data.d }
      create_missing: true
  row.del:
    - delete: d${s.n}_rows
      where: { k: $.entity_id }
`;
}

const KEYS = ['a', 'a ', 'A', 'b', 'ß', 'ss', '😀', 'x y', 'k\u0301'];
const TYPES = ['row.put', 'row.put', 'row.add', 'row.set', 'row.fix', 'row.inc', 'row.inc', 'row.bump', 'row.dec', 'row.del'];

/** Decimal text around the column's limits: ties at the scale, the largest value, one past it. */
function decimalArb(precision: number, scale: number): fc.Arbitrary<unknown> {
  const intDigits = precision - scale;
  const max = `${'9'.repeat(Math.max(intDigits, 1)).slice(0, intDigits) || '0'}${scale > 0 ? `.${'9'.repeat(scale)}` : ''}`;
  const digits = (n: number) => fc.string({ unit: fc.constantFrom('0', '1', '4', '5', '9'), minLength: n, maxLength: n });
  const text = fc.tuple(fc.constantFrom('', '-'), fc.integer({ min: 0, max: intDigits + 1 }), fc.integer({ min: 0, max: scale + 2 }))
    .chain(([sign, i, f]) => fc.tuple(digits(i), digits(f)).map(([a, b]) => `${sign}${a || '0'}${f > 0 ? `.${b}` : ''}`));
  return fc.oneof(
    { weight: 5, arbitrary: text },
    { weight: 2, arbitrary: fc.constantFrom(max, `-${max}`, `${max}5`, `${max}4`, `-${max}5`, '0.005', '-0.005', '0.5', '-0.5', '2.5', '1.005', '.5', '5.', '0', '-0') },
    { weight: 3, arbitrary: fc.double({ min: -(10 ** Math.min(intDigits, 15)), max: 10 ** Math.min(intDigits, 15), noNaN: true }) },
    { weight: 1, arbitrary: fc.constantFrom(0.1, 0.2, 0.3, 1e-7, 12.345, 2.675, 'abc', '1e5', true, {}) },
  );
}

const intArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.constantFrom(2147483647, -2147483648, 2147483648, -2147483649, 1.5, -1.5, 0.5, 2.5, '12', '007', ' 1', '1e3', 2 ** 53, true, false, 'x') },
);

const bigArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String) },
  { weight: 2, arbitrary: fc.constantFrom('9223372036854775807', '-9223372036854775808', '9223372036854775808', '9007199254740993', '4611686018427387904', 9007199254740991, -9007199254740991) },
  // Numbers past 2^53 as the producer wrote them: JSON.parse rounds them, so they are refused.
  { weight: 1, arbitrary: fc.constantFrom(new RawNumber('9007199254740993'), new RawNumber('12345678901234567890'), new RawNumber('1.5')) },
);

function stringArb(length: number): fc.Arbitrary<unknown> {
  return fc.oneof(
    { weight: 6, arbitrary: fc.string({ unit: 'grapheme', maxLength: length }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: length + 1 }) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('x'.repeat(length), '😀'.repeat(length), '😀'.repeat(length + 1), `${'é'.repeat(Math.max(length - 1, 0))} `, 'a ', ' ', '', '\ud800', 'x\udc00', 'ß', 'e\u0301', '\u0000', 42, -1.5, true),
    },
  );
}

const DATES = [
  '2026-01-01T00:00:00Z', '2026-01-01T00:00:00.123456+05:30', '2026-03-29T01:30:00-02:00', '2026-02-30', '2024-02-29', '2023-02-29',
  '0000-01-01', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999Z', '9999-12-31T23:59:59.999-01:00', '2026-01-01 10:00:00', '2026-01-01T10:00:00',
  '2026-13-01', '2026-01-01T24:00:00Z', 'garbage', '', 0, -1, 1.5e12 + 0.7, 253402300799999, 253402300800000, -62167219200000, -62167219200001,
];
const dateArb: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom(...DATES) },
  { weight: 2, arbitrary: fc.date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()) },
  { weight: 1, arbitrary: fc.integer({ min: -62167219200000, max: 253402300799999 }) },
);

const boolArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(true, false, 1, 0, 'true', 'false') }, { weight: 1, arbitrary: fc.constantFrom('yes', 2, 'TRUE') });
const jsonArb: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: fc.jsonValue({ maxDepth: 2 }) }, { weight: 1, arbitrary: fc.constantFrom({ a: '😀', b: [1, 2.5, null] }, '\ud800', { '\udc00': 1 }, 'x', 0, -0, 1e300) });

interface EventDraft {
  type: string;
  idChoice: number;
  key: string;
  version: number | undefined;
  data: Record<string, unknown>;
}

function eventsArb(s: Shape): fc.Arbitrary<EventDraft[]> {
  const data = fc.record(
    { s: stringArb(s.length), t: stringArb(s.length * 3), i: intArb, b: bigArb, d: decimalArb(s.precision, s.scale), f: boolArb, dt: dateArb, j: jsonArb },
    { requiredKeys: [] },
  );
  // Counter amounts: the counter table's decimal shape, not the row table's.
  const amounts = fc.record({ i: intArb, b: bigArb, d: decimalArb(s.counterPrecision, s.counterScale), s: stringArb(s.length) }, { requiredKeys: ['i', 'b', 'd'] });
  const event = fc.constantFrom(...TYPES).chain((type) =>
    fc.record({
      type: fc.constant(type),
      idChoice: fc.integer({ min: 0, max: 19 }),
      key: fc.constantFrom(...KEYS),
      version: fc.option(fc.integer({ min: 0, max: 6 }), { nil: undefined, freq: 8 }),
      data: type.startsWith('row.inc') || type === 'row.bump' || type === 'row.dec' ? amounts : data,
    }));
  return fc.array(event, { minLength: EVENTS.min, maxLength: EVENTS.max });
}

/** Event ids: mostly fresh, some repeated, some differing only by a trailing space, some numeric. */
function messagesOf(s: Shape, drafts: EventDraft[]): RawMessage[] {
  const ids: unknown[] = [];
  return drafts.map((d, offset) => {
    let id: unknown = `e${offset}`;
    if (d.idChoice === 0 && ids.length > 0) id = ids[offset % ids.length];
    else if (d.idChoice === 1 && ids.length > 0) id = `${String(ids[(offset * 7) % ids.length])} `;
    else if (d.idChoice === 2) id = offset;
    else if (d.idChoice === 3) id = new RawNumber(`900719925474099${offset % 10}${offset}`);
    ids.push(id);
    const value: Record<string, unknown> = { event_type: d.type, event_id: id, entity_id: d.key, data: { k: d.key, ...d.data } };
    if (d.version !== undefined) value.entity_version = d.version;
    return { topic: `diff-${s.n}`, partition: 0, offset, key: Buffer.from(d.key, 'utf8'), value: Buffer.from(jsonText(value), 'utf8') };
  });
}

const { skip, servers } = eachServer();

describe.skipIf(skip)(`issue 12 and 20: SQLite (embedded), ${servers.map((x) => x.name).join(' and ')} give the same rows for the same events`, () => {
  let dbs: FreshDb[] = [];
  const lite = sqliteFile();
  beforeAll(async () => { dbs = await Promise.all(servers.map((x) => x.fresh('sc_parity'))); });
  afterAll(async () => { for (const db of dbs) await db.drop(); lite.remove(); });

  it(`compares every table cell by cell on at least ${MIN_EVENTS} generated events (seed ${SEED})`, async () => {
    let run = 0;
    let compared = 0;
    let deadLettered = 0;
    const property = fc.asyncProperty(
      shapeArb(0).chain((shape) => eventsArb(shape).map((drafts) => ({ shape, drafts }))),
      fc.constantFrom(1, 7, 50, 200),
      fc.context(),
      async ({ shape, drafts }, batch, ctx) => {
        // Each run (and each shrink) gets its own tables, topic and group in the same databases.
        const s = { ...shape, n: run++ };
        const plan = planOf(specYaml(s));
        const messages = messagesOf(s, drafts);
        await applyMessages(lite.url, plan, messages, batch);
        const ea = await engineState(lite.url, `diff-${s.n}`);
        for (const [i, db] of dbs.entries()) {
          const name = servers[i]?.name ?? '?';
          await applyMessages(db.url, plan, messages, batch);
          const eb = await engineState(db.url, `diff-${s.n}`);
          const onlyOne = [...ea.dead.filter((o) => !eb.dead.includes(o)), ...eb.dead.filter((o) => !ea.dead.includes(o))];
          expect(ea.dead, `dead-lettered offsets, SQLite vs ${name}; differing events: ${onlyOne.map((o) => messages[Number(o)]?.value?.toString()).join('\n')}`).toEqual(eb.dead);
          expect(ea.ids, `processed event ids, SQLite vs ${name}`).toEqual(eb.ids);
          for (const t of plan.tables) {
            const [a, b] = [await tableOf(lite.url, plan, t.name), await tableOf(db.url, plan, t.name)];
            ctx.log(`${t.name}: sqlite ${a.length} rows, ${name} ${b.length} rows`);
            expect(a, `${t.name} (batch ${batch}), SQLite vs ${name}`).toEqual(b);
          }
        }
        compared += messages.length;
        deadLettered += ea.dead.length;
      },
    );
    await fc.assert(property, { seed: SEED, numRuns: RUNS, interruptAfterTimeLimit: TIME_LIMIT_MS, markInterruptAsFailure: true, endOnFailure: process.env.SC_PARITY_SHRINK !== '1' });
    // Not a vacuous comparison: enough events, and some of them refused (edge values) on both.
    expect(compared).toBeGreaterThanOrEqual(MIN_EVENTS);
    expect(deadLettered).toBeGreaterThan(0);
    expect(deadLettered).toBeLessThan(compared);
    console.log(`differential: ${compared} events compared over ${RUNS} runs on SQLite, ${servers.map((x) => x.name).join(', ')}; ${deadLettered} dead-lettered on each (seed ${SEED})`);
  }, TIME_LIMIT_MS + 60_000);
});
