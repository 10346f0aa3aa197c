/**
 * Issue 18 items 2–5 as a property: batches of events written as raw JSON text (numbers past
 * 2^53, with 16–25 significant digits, 1e-400, 1e400, 1E2, -0, 1.50, numbers deep in a json
 * document, numeric event ids beside the string JSON.parse would make of them, escapes, non-ASCII,
 * values and Kafka keys that are not UTF-8) go through `run --from` → SQLite, Kafka → SQLite and
 * Kafka → each server database (MariaDB, PostgreSQL). They give the same rows cell by cell, the
 * same dead letters with the same reasons and the same recorded ids; and every row, and every
 * increment from zero, is what the README promises of the text as written (decimals rounded half
 * away from zero to the scale, integers exact, json numbers by their exact value, the key as
 * text) or the event is a dead letter: never a rounded value stored silently. Seeded (SC_NUMBERS_SEED; SC_NUMBERS_RUNS batches).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { formatScaled, scaledDecimal } from '../../src/sql/numeric.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { createTopics, deleteTopics, endOffsets, readTopics, testKafka, waitDrained } from '../helpers/kafka.js';
import { canonicalJson, draftsArb, eventBytes, expected, FIELDS, messageKey, ndjsonLine, type Draft, type Field, type Shape } from '../helpers/number-events.js';
import { readRows, type Cell } from '../helpers/parity.js';
import { startInProcess } from '../helpers/runner.js';
import { eachServer, uniqueName } from '../helpers/services.js';
import { waitFor } from '../helpers/wait.js';

const SEED = Number(process.env.SC_NUMBERS_SEED ?? 20261207);
const RUNS = Number(process.env.SC_NUMBERS_RUNS ?? 5);
const EVENTS = { min: 100, max: 150 };

function spec(group: string, topic: string, s: Shape): string {
  // One projection name on every path: a dead letter's reason names it.
  return `projection: nums
group: ${group}
topics: [${topic}]
unhandled: skip
tables:
  nums:
    key: [k]
    columns:
      k: { type: string, length: 16 }
      n: { type: bigint, nullable: true }
      i: { type: int, nullable: true }
      d: { type: decimal, precision: ${s.precision}, scale: ${s.scale}, nullable: true }
      w: { type: decimal, precision: ${s.wide}, scale: ${s.wideScale}, nullable: true }
      s: { type: string, length: ${s.length}, nullable: true }
      j: { type: json, nullable: true }
      sk: { type: string, length: 40, nullable: true }
  sums:
    key: [k]
    columns:
      k: { type: string, length: 16 }
      cn: { type: bigint, default: 0 }
      cw: { type: decimal, precision: ${s.wide}, scale: ${s.wideScale}, default: 0 }
on:
  num.set:
    - insert: nums
      on_conflict: update
      set: { k: $.entity_id, n: $.data.n, i: $.data.i, d: $.data.d, w: $.data.w, s: $.data.s, j: $.data.j, sk: $source.key }
    # An amount is converted as a stored value is: from zero, the sum is the value as written.
    - increment: sums
      where: { k: $.entity_id }
      by: { cn: $.data.n, cw: $.data.w }
      create_missing: true
      on_missing: skip
`;
}

// SQLite keeps decimals as REAL, exact to 15 significant digits (README, Known limits): d stays
// within them, w goes past them (exact on MariaDB and PostgreSQL, within 15 digits on SQLite).
const shapeArb: fc.Arbitrary<Shape> = fc.tuple(fc.integer({ min: 1, max: 15 }), fc.integer({ min: 16, max: 30 })).chain(([precision, wide]) =>
  fc.record({
    precision: fc.constant(precision), scale: fc.integer({ min: 0, max: Math.min(6, precision) }),
    wide: fc.constant(wide), wideScale: fc.integer({ min: 0, max: 10 }), length: fc.integer({ min: 4, max: 12 }),
  }));

/** One cell in the oracle's form: integers and strings as text, decimals at the scale, json canonical. */
function canonical(f: Field, v: Cell | undefined, s: Shape): string | null {
  if (v === null || v === undefined) return null;
  const text = typeof v === 'bigint' ? v.toString() : String(v);
  if (f === 'd' || f === 'w') {
    const scale = f === 'd' ? s.scale : s.wideScale;
    const scaled = scaledDecimal(text, scale);
    return scaled === undefined ? `?${text}` : formatScaled(scaled, scale);
  }
  return f === 'j' ? canonicalJson(text) : text;
}

/** Rows in canonical form, a json cell's text as stored, dead letters (`offset reason`), recorded ids. */
interface Outcome { rows: Record<string, Record<Field, string | null>>; sums: Record<string, { n: string | null; w: string | null }>; jsonText: Record<string, string | null>; letters: string[]; ids: string[] }

async function outcomeOf(url: string, group: string, s: Shape, letters: string[]): Promise<Outcome> {
  const rows: Outcome['rows'] = {};
  const jsonText: Outcome['jsonText'] = {};
  for (const r of await readRows(url, 'nums', ['k'])) {
    rows[String(r.k)] = Object.fromEntries(FIELDS.map((f) => [f, canonical(f, r[f], s)])) as Record<Field, string | null>;
    jsonText[String(r.k)] = r.j === null || r.j === undefined ? null : String(r.j);
  }
  const sums: Outcome['sums'] = {};
  for (const r of await readRows(url, 'sums', ['k'])) sums[String(r.k)] = { n: canonical('n', r.cn, s), w: canonical('w', r.cw, s) };
  const ids = (await readRows(url, 'sc_processed_events', ['consumer_group', 'event_id'])).filter((r) => r.consumer_group === group).map((r) => String(r.event_id)).sort();
  return { rows, sums, jsonText, letters, ids };
}

/** The events whose rows or letters differ between two outcomes, each with what either holds. */
function differing(a: Outcome, b: Outcome, text: (i: number) => string): string {
  const keys = new Set([...Object.keys(a.rows), ...Object.keys(b.rows)].filter((k) => JSON.stringify(a.rows[k]) !== JSON.stringify(b.rows[k])).map((k) => Number(k.slice(1))));
  for (const l of [...a.letters.filter((x) => !b.letters.includes(x)), ...b.letters.filter((x) => !a.letters.includes(x))]) keys.add(parseInt(l, 10));
  const held = (o: Outcome, i: number): string => JSON.stringify(o.rows[`k${i}`] ?? o.letters.find((l) => parseInt(l, 10) === i) ?? 'nothing');
  return [...keys].sort((x, y) => x - y).map((i) => `${text(i)}\n  first: ${held(a, i)}\n  second: ${held(b, i)}`).join('\n');
}

/** The outcome without the wide decimal, which SQLite keeps to 15 significant digits only. */
const narrow = (o: Outcome): Outcome => ({
  ...o,
  rows: Object.fromEntries(Object.entries(o.rows).map(([k, r]) => [k, { ...r, w: null }])),
  sums: Object.fromEntries(Object.entries(o.sums).map(([k, r]) => [k, { ...r, w: null }])),
});

/** SQLite's REAL against the exact value: the same number to 15 significant digits (README, Known limits). */
function within15(stored: string | null | undefined, exact: string | null): boolean {
  if (stored === null || exact === null) return stored === exact;
  const [a, b] = [Number(stored), Number(exact)];
  return Math.abs(a - b) <= Math.abs(b) * 1e-15;
}

const byOffset = (a: string, b: string): number => parseInt(a, 10) - parseInt(b, 10);

const { skip, servers } = eachServer('KAFKA_BROKERS');

describe.skipIf(skip)(`issue 18: numbers and bytes are the same through --from and Kafka, on SQLite, ${servers.map((x) => x.name).join(' and ')}`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sc-it-numbers-'));
  const topics: string[] = [];
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await deleteTopics(topics);
    for (const drop of drops) await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every path on one batch; the batch's outcome on each. */
  async function runBatch(drafts: Draft[], s: Shape): Promise<{ file: Outcome; kafkaLite: Outcome; onServers: Array<[string, Outcome]> }> {
    const base = uniqueName('it-num');
    const topic = `${base}.events`;
    topics.push(topic, `${topic}.dlq`);
    await createTopics([topic, `${topic}.dlq`], 1);
    // A fresh topic's metadata may lag on the shared broker: "This server does not host this
    // topic-partition" failed one batch in about 250, from a call not identified. Use it once it answers.
    await waitFor(`${topic} to answer`, async () => (await endOffsets([topic, `${topic}.dlq`])).size === 2, { timeoutMs: 30_000 });
    const values = drafts.map((d, i) => ({ key: messageKey(d, i), value: eventBytes(d, `k${i}`) }));
    const specDir = (g: string): string => {
      const d = join(dir, g);
      mkdirSync(d);
      writeFileSync(join(d, 'spec.yaml'), spec(g, topic, s));
      return d;
    };
    const [gFile, gLite] = [`${base}-f`, `${base}-l`];
    const gServer = servers.map((x) => `${base}-${x.kind}`);

    const file = join(dir, `${base}.ndjson`);
    writeFileSync(file, Buffer.concat(drafts.map((d, i) => ndjsonLine(d, i, topic))));
    const fileUrl = `sqlite:${join(dir, `${base}-file.db`)}`;
    const frt = await createRuntime({ config: specDir(gFile), databaseUrl: fileUrl, from: file, logger: silentLogger, statsInterval: 0 });
    await frt.start();
    await frt.done;

    const producer = testKafka('sc-it-numbers').producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((v) => ({ ...v, partition: 0 })) });
    await producer.disconnect();
    const dbs = await Promise.all(servers.map((x) => x.fresh('sc_numbers')));
    for (const db of dbs) drops.push(db.drop);
    const liteUrl = `sqlite:${join(dir, `${base}-kafka.db`)}`;
    // The Kafka engines at once, each its own group on the one topic.
    await Promise.all([[specDir(gLite), liteUrl, gLite], ...dbs.map((db, i) => [specDir(gServer[i] as string), db.url, gServer[i] as string])].map(async ([config, url, group]) => {
      const { rt } = await startInProcess({ config: config as string, databaseUrl: url as string });
      try { await waitDrained(url as string, group as string, [topic], 60_000); } finally { await rt.stop(); await rt.done; }
    }));

    // A letter on the topic carries the event type in a header of its own; the table's reason starts with it.
    const dlq = await readTopics([`${topic}.dlq`]);
    const kafkaLetters = (group: string): string[] => dlq.filter((m) => m.headers['sc-consumer-group'] === group).map((m) => {
      const type = m.headers['sc-event-type'];
      return `${m.headers['sc-source-offset'] ?? '?'} ${type === undefined ? '' : `${type}: `}${m.headers['sc-reason'] ?? ''}`;
    }).sort(byOffset);
    const fileLetters = (await readRows(fileUrl, 'sc_dead_letters', ['offset'])).map((r) => `${String(r.offset)} ${String(r.reason)}`).sort(byOffset);
    return {
      file: await outcomeOf(fileUrl, gFile, s, fileLetters),
      kafkaLite: await outcomeOf(liteUrl, gLite, s, kafkaLetters(gLite)),
      onServers: await Promise.all(dbs.map(async (db, i): Promise<[string, Outcome]> => [servers[i]?.name ?? '?', await outcomeOf(db.url, gServer[i] as string, s, kafkaLetters(gServer[i] as string))])),
    };
  }

  it(`stores every number as written or dead-letters it, the same way on every path (seed ${SEED})`, async () => {
    let events = 0;
    let dead = 0;
    const property = fc.asyncProperty(shapeArb, draftsArb(EVENTS.min, EVENTS.max), async (s, drafts) => {
      const text = (i: number): string => `event ${i}, line ${ndjsonLine(drafts[i] as Draft, i, 'topic').toString('latin1').trim()}`;
      const { file, kafkaLite, onServers } = await runBatch(drafts, s);
      // The paths agree: rows cell by cell, dead letters (offset and reason), recorded ids; the
      // wide decimal between a server and SQLite only through the oracle below.
      expect(kafkaLite, `Kafka → SQLite against --from → SQLite (${JSON.stringify(s)}); differing:\n${differing(file, kafkaLite, text)}`).toEqual(file);
      for (const [name, out] of onServers) {
        // jsonb keeps a document in its own text (keys reordered, its spacing): PostgreSQL's json
        // cells compare by value (rows.j, canonical); MariaDB's must hold the text as written.
        const view = (o: Outcome): Outcome => (name === 'PostgreSQL' ? { ...narrow(o), jsonText: {} } : narrow(o));
        expect(view(out), `Kafka → ${name} against --from → SQLite (${JSON.stringify(s)}); differing:\n${differing(narrow(file), narrow(out), text)}`).toEqual(view(file));
      }
      // The oracle: each event's row is its text as written, or the event is a dead letter.
      // An increment's amount must be a number or numeric text: true, which a bigint column stores as
      // 1, is no amount (bind.ts refuses it, "cannot add true"), and the event is a dead letter.
      const want = drafts.map((d, i) => (d.fields.n === 'true' || d.fields.n === 'false' ? { dead: true as const } : expected(d, i, s)));
      const deadOffsets = file.letters.map((l) => parseInt(l, 10));
      want.forEach((w, i) => {
        const what = `${JSON.stringify(s)} ${text(i)}`;
        if (w.dead) {
          expect(deadOffsets, `${what} is a dead letter`).toContain(i);
          expect(file.rows[`k${i}`], `${what} has no row`).toBeUndefined();
          return;
        }
        expect(deadOffsets, `${what} is no dead letter (${file.letters.find((l) => parseInt(l, 10) === i) ?? ''})`).not.toContain(i);
        for (const f of FIELDS) {
          const lite = file.rows[`k${i}`]?.[f];
          if (f === 'w') {
            for (const [name, out] of onServers) expect(out.rows[`k${i}`]?.[f], `${what}: column w as written on ${name}`).toBe(w.row.w);
            expect(within15(lite, w.row.w), `${what}: column w on SQLite ${String(lite)}, as written ${String(w.row.w)} to 15 digits`).toBe(true);
          } else expect(lite, `${what}: column ${f} as written`).toBe(w.row[f]);
        }
        // The increment from zero: the amounts as written, or left out (on_missing: skip) when one is missing.
        const sumLite = file.sums[`k${i}`];
        if (w.row.n === null || w.row.w === null) expect(sumLite, `${what}: no sum without an amount`).toBeUndefined();
        else {
          expect(sumLite?.n, `${what}: sum cn`).toBe(w.row.n);
          for (const [name, out] of onServers) expect(out.sums[`k${i}`]?.w, `${what}: sum cw on ${name}`).toBe(w.row.w);
          expect(within15(sumLite?.w, w.row.w), `${what}: sum cw on SQLite ${String(sumLite?.w)}, as written ${w.row.w} to 15 digits`).toBe(true);
        }
        // A number a double cannot hold is kept in the document digit for digit.
        for (const t of w.exactTexts) expect(file.jsonText[`k${i}`], `${what}: json keeps ${t} as written`).toContain(t);
      });
      expect(file.ids, 'every applied event recorded under its id as written').toEqual(want.flatMap((w) => (w.dead ? [] : [w.id])).sort());
      events += drafts.length;
      dead += deadOffsets.length;
    });
    // Shrinking replays whole batches on every path: SC_NUMBERS_SHRINK=1 asks for it.
    const out = await fc.check(property, { seed: SEED, numRuns: RUNS, endOnFailure: process.env.SC_NUMBERS_SHRINK !== '1' });
    if (out.failed) {
      // An assertion says what differs; anything else (a service error) needs its stack.
      const e = out.errorInstance;
      const why = e instanceof Error ? (e.name === 'AssertionError' ? e.message : (e.stack ?? e.message)) : String(e);
      throw new Error(`seed ${SEED}, path ${out.counterexamplePath ?? ''} (replay: SC_NUMBERS_SEED=${SEED}): ${why}`);
    }
    // Not vacuous: many events, some stored and some refused.
    expect(dead).toBeGreaterThan(0);
    expect(dead).toBeLessThan(events);
    console.log(`numbers property: ${events} events over ${RUNS} batches, ${dead} dead-lettered on every path (seed ${SEED})`);
  }, 300_000);
});
