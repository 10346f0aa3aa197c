/**
 * Listing and showing table letters on a real SQLite database (issue 23): keyset pages read every
 * letter once in either order whatever the page size (ties in created_at included), the filters
 * narrow, counts are by reason, the newest come first; a database made before `attempts` lists
 * its letters with attempt 1, and `run`'s schema step adds the column and the source index.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TableDef } from '../../compile/plan.js';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { migrateDatabase } from '../../sql/migrate-run.js';
import { prepareSchema } from '../lifecycle/schema.js';
import { silentLogger } from '../ops/log.js';
import { openSink } from '../sinks/open.js';
import type { Sink } from '../sinks/sink.js';
import { fittedDeadLetterRow } from '../outputs/dead-letters/index.js';
import { matches, type StoredLetter } from './letter.js';
import { findLetter, keepNewest, listLetters } from './list.js';
import { tableLetters } from './table-letters.js';
import { formatLetter, formatList } from './format.js';

async function database(tables: TableDef[] = ENGINE_TABLES): Promise<{ url: string; sink: Sink }> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sc-dlq-')), 'db.sqlite')}`;
  await applyDdl(url, tables);
  return { url, sink: await openSink(url) };
}

/** Letters with 3 distinct times (many share one), two groups, two reasons. */
async function fill(sink: Sink, n: number): Promise<void> {
  const rows = Array.from({ length: n }, (_, i) => ({
    ...fittedDeadLetterRow({ msg: { topic: i % 2 === 0 ? 'a' : 'b', partition: i % 3, offset: i, key: Buffer.from(`k${i}`), value: Buffer.from(i % 5 === 0 ? '\u00ff' : JSON.stringify({ type: 'x.made', id: i })) }, group: i % 4 === 0 ? 'g@file' : 'g', projection: i % 7 === 0 ? 'p,q' : 'p', eventType: null, reason: i % 5 === 0 ? 'value is not JSON' : 'too long' }, undefined),
    at: `2026-01-0${1 + (i % 3)} 00:00:00.000`,
  }));
  await sink.transaction((tx) => tx.exec(sink.engine.insertDeadLetters(rows)));
}

describe('dead letters in the table', () => {
  it('pages through every letter once, in source order and newest first, whatever the page size', async () => {
    const { sink } = await database();
    await fill(sink, 37);
    for (const page of [1, 4, 500]) {
      const source: StoredLetter[] = [];
      for await (const p of tableLetters(sink, {}, 'source', undefined, page)) source.push(...p);
      expect(source.map((l) => l.offset).sort((x, y) => x - y)).toEqual(Array.from({ length: 37 }, (_, i) => i));
      const tuple = (x: StoredLetter): Array<string | number> => [x.group, x.topic, x.partition, x.offset];
      const cmp = (x: StoredLetter, y: StoredLetter): number => {
        for (const [i, a] of tuple(x).entries()) { const b = tuple(y)[i] as string | number; if (a !== b) return a < b ? -1 : 1; }
        return 0;
      };
      expect(source).toEqual([...source].sort(cmp));
      const newest: StoredLetter[] = [];
      for await (const p of tableLetters(sink, {}, 'newest', undefined, page)) newest.push(...p);
      expect(newest).toHaveLength(37);
      expect(newest.map((l) => l.at)).toEqual(newest.map((l) => l.at).sort().reverse());
    }
    await sink.close();
  });

  it('filters by group (a named source counts as its group), topic, projection, reason, since; counts by reason', async () => {
    const { sink } = await database();
    await fill(sink, 40);
    const all = await listLetters({ sink }, {}, 5);
    expect(all.total).toBe(40);
    expect(all.byReason).toEqual([{ reason: 'too long', count: 32 }, { reason: 'value is not JSON', count: 8 }]);
    expect(all.letters).toHaveLength(5);
    expect(all.letters.every((l) => l.at.startsWith('2026-01-03'))).toBe(true);
    expect((await listLetters({ sink }, { group: 'g' }, 0)).total).toBe(40);
    expect((await listLetters({ sink }, { group: 'g@file' }, 0)).total).toBe(10);
    expect((await listLetters({ sink }, { topic: 'b' }, 0)).total).toBe(20);
    expect((await listLetters({ sink }, { projection: 'q' }, 0)).total).toBe(6);
    expect((await listLetters({ sink }, { reason: 'NOT json' }, 0)).total).toBe(8);
    expect((await listLetters({ sink }, { since: new Date('2026-01-03T00:00:00Z') }, 0)).total).toBe(13);
    expect((await listLetters({ sink, typeOf: (l) => (l.offset % 5 === 0 ? null : 'x.made') }, { type: 'x.made' }, 0)).total).toBe(32);
    await sink.close();
  });

  it('shows one letter: value as JSON where it is JSON, else base64; key; attempts', async () => {
    const { sink } = await database();
    await fill(sink, 6);
    const list = await listLetters({ sink }, { topic: 'a' }, 10);
    const json = list.letters.find((l) => l.offset === 2) as StoredLetter;
    const shown = await findLetter({ sink }, json.id);
    expect(shown?.attempts).toBe(1);
    expect(formatLetter(shown as StoredLetter, 'text')).toMatch(/value \(JSON\):\n\{\n {2}"type": "x.made",\n {2}"id": 2\n\}/u);
    const bytes = await findLetter({ sink }, (list.letters.find((l) => l.offset === 0) as StoredLetter).id);
    expect(JSON.parse(formatLetter(bytes as StoredLetter, 'json'))).toMatchObject({ key: { text: 'k0' }, value: { base64: Buffer.from('\u00ff').toString('base64') }, group: 'g@file', attempts: 1 });
    expect(await findLetter({ sink }, 'f'.repeat(64))).toBeUndefined();
    expect(formatList(list, 'text')).toMatch(/^3 dead letter\(s\) \(table\)\n\nby reason:\n +2 +too long\n +1 +value is not JSON\n/u);
    await sink.close();
  });

  it('reads a database made before `attempts` (attempt 1), and the schema step adds the column and the source index', async () => {
    const old = ENGINE_TABLES.map((t) => (t.name !== 'sc_dead_letters' ? t : { ...t, columns: t.columns.filter((c) => c.name !== 'attempts'), indexes: [['created_at']] }));
    const { url, sink } = await database(old);
    await fill(sink, 3);
    expect((await listLetters({ sink }, {}, 3)).letters.map((l) => l.attempts)).toEqual([1, 1, 1]);
    await sink.close();
    expect((await migrateDatabase(url, ENGINE_TABLES, { apply: false })).migrations.map((m) => `${m.table} ${m.kind} ${m.column ?? ''}`.trim())).toEqual(['sc_dead_letters add column attempts', 'sc_dead_letters add index']);
    // `run` without --migrate: the engine's tables get their additive changes anyway.
    const lines: string[] = [];
    const log = { ...silentLogger, info: (msg: string, f?: Record<string, unknown>) => void lines.push(`${msg} ${String(f?.table)} ${String(f?.change)}`) };
    await prepareSchema(url, { projections: [], tables: [], groups: [] }, log, { migrate: false, acceptSpec: false });
    expect(lines).toEqual(['migrated sc_dead_letters add column', 'migrated sc_dead_letters add index']);
    expect((await migrateDatabase(url, ENGINE_TABLES, { apply: false })).migrations).toEqual([]);
    const after = await openSink(url);
    expect((await listLetters({ sink: after }, {}, 3)).letters.map((l) => l.attempts)).toEqual([1, 1, 1]);
    await after.close();
  });
});

describe('letters, pure', () => {
  const l = (at: string, id: string): StoredLetter => ({ id, store: 'table', topic: 't', partition: 0, offset: 0, group: 'g', projection: null, eventType: null, reason: 'r', attempts: 1, at, key: null, value: null, headers: {} });
  it('keeps the n newest, newest first', () => {
    const kept: StoredLetter[] = [];
    for (const x of [l('2', 'a'), l('5', 'b'), l('1', 'c'), l('5', 'd'), l('3', 'e')]) keepNewest(kept, x, 3);
    expect(kept.map((x) => x.id)).toEqual(['d', 'b', 'e']);
  });
  it('matches a named source to its group, a projection in a list', () => {
    expect(matches({ ...l('1', 'a'), group: 'g@src', projection: 'p,q' }, { group: 'g', projection: 'q' })).toBe(true);
    expect(matches({ ...l('1', 'a'), group: 'gx' }, { group: 'g' })).toBe(false);
  });
});
