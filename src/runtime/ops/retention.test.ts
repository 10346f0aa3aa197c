import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { sqlNow, type ProcessedRow } from '../../sql/engine-sql.js';
import { pruneProcessed } from './retention.js';
import { openSqliteSink } from '../sinks/sqlite.js';
import type { Sink } from '../sinks/sink.js';

const DAY = 24 * 3600 * 1000;
let dir: string;
let sink: Sink;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sc-retention-'));
  const url = `sqlite:${join(dir, 'db.sqlite')}`;
  await applyDdl(url, ENGINE_TABLES);
  sink = openSqliteSink(url);
});

afterEach(async () => {
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
});

const row = (id: string, ageMs: number): ProcessedRow => ({ group: 'g', eventId: id, entityId: null, entityVersion: null, eventType: 't', at: sqlNow(new Date(Date.now() - ageMs)) });

async function ids(): Promise<string[]> {
  const rows = await sink.transaction((tx) => tx.query({ sql: 'SELECT event_id FROM sc_processed_events ORDER BY event_id', params: [] }));
  return rows.map((r) => String(r.event_id));
}

describe('pruneProcessed', () => {
  it('deletes every id older than the retention, chunk after chunk, and keeps the recent ones', async () => {
    const old = Array.from({ length: 25 }, (_, i) => row(`old-${String(i).padStart(2, '0')}`, 8 * DAY + i * 1000));
    const recent = [row('new-a', 1000), row('new-b', 6 * DAY)];
    await sink.transaction((tx) => tx.exec(sink.engine.insertProcessed([...old, ...recent])));
    expect(await pruneProcessed(sink, 7 * DAY, () => false, 10)).toBe(25);
    expect(await ids()).toEqual(['new-a', 'new-b']);
    expect(await pruneProcessed(sink, 7 * DAY, () => false, 10)).toBe(0);
  });

  it('stops between chunks when the runtime stops', async () => {
    await sink.transaction((tx) => tx.exec(sink.engine.insertProcessed(Array.from({ length: 30 }, (_, i) => row(`o${i}`, 9 * DAY)))));
    let calls = 0;
    expect(await pruneProcessed(sink, 7 * DAY, () => calls++ >= 1, 10)).toBe(10);
    expect(await ids()).toHaveLength(20);
  });
});

describe('SQLite sink', () => {
  it('runs concurrent transactions one after the other (one connection)', async () => {
    const order: string[] = [];
    const tx = (name: string) => sink.transaction(async (t) => {
      order.push(`${name}:begin`);
      await new Promise((r) => setTimeout(r, 5));
      await t.exec(sink.engine.insertProcessed([row(name, 0)]));
      order.push(`${name}:end`);
    });
    const failing = sink.transaction(async () => { throw new Error('boom'); });
    await Promise.all([tx('a'), failing.catch(() => undefined), tx('b')]);
    expect(order).toEqual(['a:begin', 'a:end', 'b:begin', 'b:end']);
    expect(await ids()).toEqual(['a', 'b']);
  });
});
