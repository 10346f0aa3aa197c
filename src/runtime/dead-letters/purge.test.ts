/**
 * `dead-letters purge` and `status`'s letters by reason on SQLite (issue 23): without confirmation
 * only the count, nothing changes; with it, exactly the letters that pass the filters go, a page at
 * a time; status counts the rest by reason, numbers as N.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDdl } from '../../sql/apply.js';
import { ENGINE_TABLES } from '../../sql/engine-tables.js';
import { fittedDeadLetterRow } from '../outputs/dead-letters/index.js';
import { collectStatus, formatStatus } from '../ops/status.js';
import { openSink } from '../sinks/open.js';
import { listLetters } from './list.js';
import { purgeLetters } from './purge.js';

async function filled(n: number): Promise<{ url: string; sink: Awaited<ReturnType<typeof openSink>> }> {
  const url = `sqlite:${join(mkdtempSync(join(tmpdir(), 'sc-purge-')), 'db.sqlite')}`;
  await applyDdl(url, ENGINE_TABLES);
  const sink = await openSink(url);
  const rows = Array.from({ length: n }, (_, i) => fittedDeadLetterRow({
    msg: { topic: 't', partition: 0, offset: i, key: null, value: Buffer.from('x') }, group: 'g', projection: null, eventType: null,
    reason: i % 3 === 0 ? `line ${i + 1}: line is not JSON` : 'no projection handles event type x',
  }, undefined));
  await sink.transaction((tx) => tx.exec(sink.engine.insertDeadLetters(rows)));
  return { url, sink };
}

describe('dead-letters purge', () => {
  it('counts without confirmation, then drops exactly the letters that pass the filters', async () => {
    const { sink } = await filled(1100);
    expect(await purgeLetters({ sink }, { reason: 'not JSON' }, false)).toEqual({ table: 367, topic: 0, purged: false });
    expect((await listLetters({ sink }, {}, 0)).total).toBe(1100);
    expect(await purgeLetters({ sink }, { reason: 'not JSON' }, true)).toEqual({ table: 367, topic: 0, purged: true });
    const left = await listLetters({ sink }, {}, 0);
    expect(left.total).toBe(733);
    expect(left.byReason).toEqual([{ reason: 'no projection handles event type x', count: 733 }]);
    await sink.close();
  });

  it('status counts sc_dead_letters by reason, numbers as N', async () => {
    const { url, sink } = await filled(10);
    await sink.close();
    const r = await collectStatus({ plan: { projections: [], tables: [], groups: [] }, databaseUrl: url });
    expect(r.deadLetterReasons).toEqual([{ reason: 'no projection handles event type x', count: 6 }, { reason: 'line N: line is not JSON', count: 4 }]);
    expect(formatStatus(r, 'text')).toMatch(/sc_dead_letters by reason.*\n +6 +no projection handles event type x\n +4 +line N: line is not JSON\n/u);
  });
});
