/**
 * The `dead-letters` commands at their edges (issue 23), on SQLite: a database no run wrote to
 * lists no letters; purge without --yes says how many and changes nothing; a dry run on a database
 * an earlier version made refuses (it would have to add `attempts`) and says what to run; usage
 * errors exit 2.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { applyDdl } from '../sql/apply.js';
import { validatePaths } from '../validate/index.js';
import { ENGINE_TABLES } from '../sql/engine-tables.js';
import { openSink } from '../runtime/sinks/open.js';
import { fittedDeadLetterRow } from '../runtime/outputs/dead-letters/index.js';
import { FIXED, lettersFlow } from '../../test/helpers/letters-scenario.js';
import { listCommand, parseSince, purgeCommand } from './dead-letters.js';
import { replayCommand } from './dead-letters-replay.js';

const fresh = (): string => `sqlite:${join(mkdtempSync(join(tmpdir(), 'sc-dlq-cli-')), 'db.sqlite')}`;

describe('sc-project dead-letters', () => {
  it('lists no letters in a database no run has written to', async () => {
    const flow = lettersFlow('cli');
    const r = await listCommand({ config: [flow.dir], databaseUrl: fresh(), format: 'text' });
    expect(r).toEqual({ code: 0, stdout: '0 dead letter(s) (table)\n', stderr: '' });
    flow.remove();
  });

  it('purge without --yes gives the count and changes nothing; a dry run on an older table shape says what to run', async () => {
    const flow = lettersFlow('cli');
    flow.writeSpec(FIXED);
    const url = fresh();
    const old = ENGINE_TABLES.map((t) => (t.name !== 'sc_dead_letters' ? t : { ...t, columns: t.columns.filter((c) => c.name !== 'attempts'), indexes: [['created_at']] }));
    // The spec's tables as a run made them, and the engine's of an earlier version.
    await applyDdl(url, [...(validatePaths([flow.dir]).plan?.tables ?? []), ...old]);
    const sink = await openSink(url);
    const value = Buffer.from(JSON.stringify({ event_id: 'e1', event_type: 'item.made', entity_id: 'i1', data: { name: 'n', size: 1, bucket: 'b' } }));
    await sink.transaction((tx) => tx.exec(sink.engine.insertDeadLetters([fittedDeadLetterRow({ msg: { topic: flow.topic, partition: 0, offset: 0, key: null, value }, group: flow.group, projection: 'it-items', eventType: 'item.made', reason: 'too long' }, undefined)])));
    await sink.close();
    const o = { config: [flow.dir], databaseUrl: url, format: 'text' };
    expect(await purgeCommand(o)).toEqual({ code: 1, stdout: '1 dead letter(s) would be purged: 1 in sc_dead_letters\n', stderr: 'nothing purged: give --yes to purge them\n' });
    const dry = await replayCommand({ ...o, dryRun: true, progress: false });
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/^a dry run changes nothing, and the engine's tables lack what a replay writes \(.*sc_dead_letters\.attempts: add column.*\): run sc-project ddl --apply/u);
    const real = await replayCommand({ ...o, progress: false, format: 'json' });
    expect(real.stderr).toBe('');
    expect(JSON.parse(real.stdout)).toMatchObject({ applied: 1, failed_again: 0 });
    flow.remove();
  });

  it('refuses bad options with exit 2', async () => {
    const o = { config: ['projections'], databaseUrl: fresh() };
    expect((await listCommand({ ...o, format: 'xml' })).code).toBe(2);
    expect((await listCommand({ ...o, format: 'text', since: 'yesterday-ish' })).code).toBe(2);
    expect((await replayCommand({ ...o, format: 'text', chunk: '0' })).code).toBe(2);
    expect(parseSince('2h', Date.parse('2026-01-01T12:00:00Z'))?.toISOString()).toBe('2026-01-01T10:00:00.000Z');
  });
});
