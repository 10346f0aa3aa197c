/**
 * One truth for the largest keys: validate lets a key hold at most 2600 bytes (validate/tables.ts
 * MAX_INDEX_BYTES), because PostgreSQL's B-tree refuses an entry over 2704 bytes at insert time
 * (error 54000, which stops the group) where InnoDB holds 3072. Before, a string(700) key validated
 * and a 676-character value of 4-byte characters stopped PostgreSQL's group while MariaDB and
 * SQLite stored it. Here: keys at the new limit, of values that do not compress (PostgreSQL
 * compresses large index entries, so repetitive text would pass anyway), one column and four, are
 * stored alike on every database.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { applyMessages, message, planOf, readRows, sqliteFile } from '../helpers/parity.js';
import { serverDatabases, type FreshDb } from '../helpers/services.js';

const SPEC = `
projection: wide
group: wide
topics: [wide]
tables:
  one_key:
    key: [k]
    columns:
      k: { type: string, length: 650 }
      n: int
  four_keys:
    key: [a, b, c, d]
    columns:
      a: { type: string, length: 320 }
      b: { type: string, length: 320 }
      c: int
      d: bigint
      n: int
on:
  wide.set:
    - insert: one_key
      set: { k: $.data.k, n: $.data.n }
      on_conflict: update
    - insert: four_keys
      set: { a: $.data.a, b: $.data.b, c: $.data.n, d: $.data.n, n: $.data.n }
      on_conflict: update
`;

/** `n` characters outside the Basic Multilingual Plane (4 bytes each in UTF-8), pseudo-random from `seed`. */
function astral(n: number, seed: number): string {
  let x = seed;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    out += String.fromCodePoint(0x10000 + (x % 0xf0000));
  }
  return out;
}

const events = Array.from({ length: 6 }, (_, i) => ({
  event_type: 'wide.set',
  event_id: `e${i}`,
  data: { k: astral(650, i + 1), a: astral(320, i + 101), b: astral(320, i + 201), n: i },
}));

describe('issue 20: keys at the index limit every database holds', () => {
  const plan = planOf(SPEC);
  const messages = events.map((e, i) => message('wide', i, e));
  const lite = sqliteFile();
  const dropped: FreshDb[] = [];
  afterAll(async () => {
    for (const d of dropped) await d.drop();
    lite.remove();
  });

  // Cells as text: each driver gives integers its own type (a number, a bigint, a string).
  const text = (rows: Array<Record<string, unknown>>) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
  const read = async (url: string) => ({
    one: text(await readRows(url, 'one_key', ['k'])),
    four: text(await readRows(url, 'four_keys', ['a', 'b'])),
  });

  it('stores 650 4-byte characters as one key, and 2 × 320 beside two numbers as another, on SQLite, MariaDB and PostgreSQL alike', async () => {
    const [liteStats] = await applyMessages(lite.url, plan, messages, 10);
    expect(liteStats?.applied).toBe(6);
    const expected = await read(lite.url);
    expect(expected.one.map((r) => r.k).sort()).toEqual(events.map((e) => e.data.k).sort());
    expect(Buffer.byteLength(String(expected.one[0]?.k))).toBe(2600);
    for (const server of serverDatabases()) {
      const db = await server.fresh('sc_keylimit');
      dropped.push(db);
      const [stats] = await applyMessages(db.url, plan, messages, 10);
      expect(stats?.applied, server.name).toBe(6);
      expect(stats?.deadLettered, server.name).toBe(0);
      expect(await read(db.url), server.name).toEqual(expected);
    }
  });
});
