import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRows, sqlitePlan, type SqlitePlan } from '../../../test/helpers/sqlite-plan.js';
import { recordFingerprints } from './fingerprints.js';
import { changedProjections, fingerprintMap, readSpecWatch, SpecChangedError } from './spec-watch.js';
import { silentLogger } from '../ops/log.js';
import type { RawMessage } from '../apply/message.js';
import { GroupProcessor } from '../commit/processor.js';
import { groupRoutes } from '../apply/routes.js';
import { newStats } from '../ops/stats.js';
import { engineSql } from '../../sql/engine-sql.js';
import { TABLE_DEAD_LETTERS } from '../outputs/dead-letters/index.js';

const SPEC = `
projection: watched
group: g
topics: [things]
tables:
  things:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      name: { type: string, length: 8, nullable: true }
on:
  thing.created:
    - insert: things
      set: { id: $.entity_id, name: $.data.name }
`;

let db: SqlitePlan;
beforeEach(async () => {
  db = await sqlitePlan(SPEC, 'sc-watch-');
});
afterEach(async () => {
  await db.close();
});

let offset = 0;
const msg = (id: string, name: string): RawMessage => ({
  topic: 'things', partition: 0, offset: offset++, key: null,
  value: Buffer.from(JSON.stringify({ event_type: 'thing.created', event_id: `e-${id}`, entity_id: id, entity_version: 1, data: { name } })),
});

describe('spec watch', () => {
  it('reads the stored fingerprints as one sorted text, null when none is stored', async () => {
    expect((await readSpecWatch(db.sink, ['watched'])).expected).toBeNull();
    await recordFingerprints(db.url, db.plan, ['watched']);
    const w = await readSpecWatch(db.sink, ['watched']);
    expect(w.expected).toMatch(/^watched=[0-9a-f]{32}$/u);
    expect(fingerprintMap(w.expected).get('watched')).toBe(w.expected?.slice('watched='.length));
  });

  it('names the changed projections with the fingerprints before and after', () => {
    expect(changedProjections('a=1,b=2', 'a=1,b=3,c=4')).toEqual([{ projection: 'b', was: '2', now: '3' }, { projection: 'c', was: null, now: '4' }]);
    expect(new SpecChangedError('g', 'a=1', null).message).toBe('group g: the stored spec fingerprints changed under the running engine (a: 1 → none)');
  });

  it('a transaction that finds the fingerprint changed (SQLite: after BEGIN IMMEDIATE) rolls back before writing', async () => {
    await recordFingerprints(db.url, db.plan, ['watched']);
    const stats = newStats();
    const specWatch = await readSpecWatch(db.sink, ['watched']);
    const processor = new GroupProcessor({ sink: db.sink, routes: groupRoutes(db.plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, specWatch });
    await processor.process([msg('a', 'one')]);
    expect(readRows(db.file, 'things')).toEqual([{ id: 'a', name: 'one' }]);

    // What a swap does last: another spec's fingerprint is recorded.
    await db.sink.transaction((tx) => tx.exec({ sql: 'UPDATE "sc_spec_fingerprints" SET "fingerprint" = ? WHERE "projection" = ?', params: ['f'.repeat(32), 'watched'] }));
    const err = await processor.process([msg('b', 'two')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SpecChangedError);
    expect((err as SpecChangedError).changed()).toEqual([{ projection: 'watched', was: specWatch.expected?.split('=')[1], now: 'f'.repeat(32) }]);
    // Nothing of the unit was written: no row, no processed id, the position where it was.
    expect(readRows(db.file, 'things')).toEqual([{ id: 'a', name: 'one' }]);
    expect(readRows(db.file, 'sc_processed_events').map((r) => r.event_id)).toEqual(['e-a']);
    expect(readRows(db.file, 'sc_consumer_positions').map((r) => r.next_offset)).toEqual([offset - 1]);
    expect(stats.retries).toBe(0);
  });

  it('takes no partition locks on SQLite, and none when told not to', async () => {
    const seen: unknown[] = [];
    const sink = { ...db.sink, transaction: <T>(fn: Parameters<typeof db.sink.transaction<T>>[0], guard?: Parameters<typeof db.sink.transaction<T>>[1]) => { seen.push(guard); return db.sink.transaction(fn, guard); } };
    const p = new GroupProcessor({ sink, routes: groupRoutes(db.plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats: newStats(), log: silentLogger });
    await p.process([msg('c', 'three')]);
    expect(seen.filter((g) => g !== undefined)).toEqual([]);
  });
});

describe('engine statements of the swap', () => {
  it('MariaDB takes every lock in one statement, and reads the fingerprints in one of their own', () => {
    const st = engineSql('mysql').takeLocks(['l-a', 'l-b'], 5);
    expect(st.sql).toBe('SELECT GET_LOCK(?, ?) AS l0, GET_LOCK(?, ?) AS l1');
    expect(st.params).toEqual(['l-a', 5, 'l-b', 5]);
    expect(engineSql('mysql').takeLocks(['l-a'], 5).sql).toBe('SELECT GET_LOCK(?, ?) AS l0');
    expect(engineSql('mysql').selectFingerprints(['p', 'q'], true)).toEqual({ sql: 'SELECT (SELECT GROUP_CONCAT(`projection`, \'=\', `fingerprint` ORDER BY `projection` SEPARATOR \',\') FROM `sc_spec_fingerprints` WHERE `projection` IN (?,?) LOCK IN SHARE MODE) AS fp', params: ['p', 'q'] });
    expect(engineSql('mysql').releaseLocks(['l-a', 'l-b'])).toEqual({ sql: 'SELECT RELEASE_LOCK(?) AS r0, RELEASE_LOCK(?) AS r1', params: ['l-a', 'l-b'] });
  });
});
