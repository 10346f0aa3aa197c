/**
 * Issue 12, point 5: keys and event ids compare byte for byte on MariaDB as on SQLite. Under
 * utf8mb4_bin (PAD SPACE) the key 'kpad ' was the row 'kpad', and the event 'e1 ' was dropped as
 * a duplicate of 'e1'; utf8mb4_nopad_bin keeps them apart. Numeric ids past 2^53 stay two ids.
 * The same on PostgreSQL (keys collate "C"); the PAD SPACE drift report is MariaDB's alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDdl } from '../../src/sql/apply.js';
import { openKnex } from '../../src/sql/connection.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { applyMessages, message, planOf, readRows, sqliteFile } from '../helpers/parity.js';
import { freshDatabase, serverDatabases, skipWithout, type FreshDb } from '../helpers/services.js';

const SPEC = `
projection: pads
group: pads
topics: [pads]
tables:
  pads:
    key: [k]
    unique: [[u]]
    columns:
      k: { type: string, length: 16 }
      u: { type: string, length: 16 }
      n: int
on:
  pad.set:
    - insert: pads
      set: { k: $.data.k, u: $.data.u, n: $.data.n }
      on_conflict: update
`;

const events = [
  { event_type: 'pad.set', event_id: 'e1', data: { k: 'kpad', u: 'u', n: 1 } },
  // Another id (trailing space), another key, another unique value: a second row.
  { event_type: 'pad.set', event_id: 'e1 ', data: { k: 'kpad ', u: 'u ', n: 2 } },
  { event_type: 'pad.set', event_id: 'e2', data: { k: 'kpad  ', u: 'u  ', n: 3 } },
  // Numeric ids past 2^53: JSON.parse makes both 9007199254740992.
  '{"event_type":"pad.set","event_id":9007199254740993,"data":{"k":"big1","u":"b1","n":4}}',
  '{"event_type":"pad.set","event_id":9007199254740992,"data":{"k":"big2","u":"b2","n":5}}',
  // 77 and "77" are one id: the second is a duplicate.
  { event_type: 'pad.set', event_id: 77, data: { k: 'n77', u: 'n77', n: 6 } },
  { event_type: 'pad.set', event_id: '77', data: { k: 's77', u: 's77', n: 7 } },
];

const expectedRows = [
  { k: 'big1', n: 4 }, { k: 'big2', n: 5 }, { k: 'kpad', n: 1 }, { k: 'kpad ', n: 2 }, { k: 'kpad  ', n: 3 }, { k: 'n77', n: 6 },
];

describe.skipIf(skipWithout('DATABASE_URL'))('issue 12: keys and event ids are exact on MariaDB, PostgreSQL and SQLite', () => {
  let db: FreshDb;
  const lite = sqliteFile();
  const others: FreshDb[] = [];
  beforeAll(async () => { db = await freshDatabase('sc_pad'); });
  afterAll(async () => {
    await db?.drop();
    for (const o of others) await o.drop();
    lite.remove();
  });

  const plan = planOf(SPEC);
  const messages = events.map((e, i) => message('pads', i, typeof e === 'string' ? e : e));

  const postgres = serverDatabases().find((s) => s.kind === 'postgres');
  for (const target of ['mysql', ...(postgres ? ['postgres' as const] : []), 'sqlite'] as const) {
    it(`keeps 'kpad' and 'kpad ' two rows and 'e1', 'e1 ' two ids (${target})`, async () => {
      let url = target === 'mysql' ? db.url : lite.url;
      if (target === 'postgres' && postgres) {
        const fresh = await postgres.fresh('sc_pad');
        others.push(fresh);
        url = fresh.url;
      }
      const [stats] = await applyMessages(url, plan, messages, 10);
      expect(stats?.applied).toBe(6);
      expect(stats?.duplicates).toBe(1);
      const rows = await readRows(url, 'pads', ['k']);
      expect(rows.map((r) => ({ k: r.k, n: Number(r.n) }))).toEqual(expectedRows);
      const ids = (await readRows(url, 'sc_processed_events', ['event_id'])).map((r) => r.event_id);
      expect(ids).toEqual(['77', '9007199254740992', '9007199254740993', 'e1', 'e1 ', 'e2']);
    });
  }

  it('declares key, unique and engine id columns NO PAD, and reports a PAD SPACE key as drift', async () => {
    const admin = openKnex(db.url);
    try {
      const [cols] = (await admin.raw(
        `select table_name as t, column_name as c, collation_name as k from information_schema.columns
          where table_schema = database() and collation_name like '%bin' order by table_name, column_name`,
      )) as [Array<{ t: string; c: string; k: string }>];
      expect(cols.map((r) => `${r.t}.${r.c} ${r.k}`)).toEqual([
        'pads.k utf8mb4_nopad_bin', 'pads.u utf8mb4_nopad_bin',
        'sc_consumer_positions.consumer_group utf8mb4_nopad_bin', 'sc_consumer_positions.topic utf8mb4_nopad_bin',
        'sc_dead_letters.dlq_id utf8mb4_nopad_bin',
        'sc_processed_events.consumer_group utf8mb4_nopad_bin', 'sc_processed_events.event_id utf8mb4_nopad_bin',
        'sc_replayed_letters.consumer_group utf8mb4_nopad_bin', 'sc_replayed_letters.topic utf8mb4_nopad_bin',
        'sc_sources.consumer_group utf8mb4_nopad_bin', 'sc_spec_fingerprints.projection utf8mb4_nopad_bin',
      ]);
      // A table made by an earlier version: utf8mb4_bin keys (under which 'e1' and 'e1 ' collide).
      await admin.raw('delete from sc_processed_events');
      await admin.raw('alter table sc_processed_events modify event_id varchar(128) not null collate utf8mb4_bin');
      const report = await applyDdl(db.url, [...plan.tables, ...ENGINE_TABLES]);
      expect(report.warnings).toEqual([]);
      expect(report.differences).toEqual([{
        table: 'sc_processed_events', column: 'event_id',
        expected: 'varchar(128) not null collate utf8mb4_nopad_bin', actual: 'varchar(128) not null collate utf8mb4_bin',
      }]);
    } finally {
      await admin.destroy();
    }
  });
});
