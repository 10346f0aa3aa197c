/**
 * The checks of issue 22's table letters with headers, the same on every database: a database of
 * the older shape takes a letter without headers; `run` adds the column and keeps each letter's
 * headers; `dead-letters show` prints them; `dead-letters replay` gives them back as `$headers`.
 */
import { expect } from 'vitest';
import { listCommand, showCommand } from '../../src/cli/dead-letters.js';
import { replayCommand } from '../../src/cli/dead-letters-replay.js';
import { migrateDatabase } from '../../src/sql/migrate-run.js';
import { validatePaths } from '../../src/validate/index.js';
import { fittedDeadLetterRow } from '../../src/runtime/outputs/dead-letters/index.js';
import { openSink } from '../../src/runtime/sinks/open.js';
import { headerLetters, oldLettersTable } from './header-letters.js';

type Query = (url: string, sql: string) => Promise<Array<Record<string, unknown>>>;

export async function checkHeaderLetters(url: string, query: Query, onCleanup: (f: () => void) => void): Promise<void> {
  const flow = headerLetters('hletters', 30);
  onCleanup(() => flow.remove());
  await oldLettersTable(url);
  // The older shape takes a letter without headers (the writer leaves the column out).
  const sink = await openSink(url);
  try {
    const row = fittedDeadLetterRow({ msg: { topic: 'old', partition: 0, offset: 0, key: null, value: Buffer.from('x') }, group: 'old-group', projection: null, eventType: null, reason: 'before' }, undefined);
    await sink.transaction((tx) => tx.exec(sink.engine.insertDeadLetters([row])));
  } finally {
    await sink.close();
  }

  // The run adds the column (additive, no --migrate) and keeps each letter's headers.
  await flow.run(url);
  const letters = await query(url, `SELECT dlq_id, headers FROM sc_dead_letters WHERE consumer_group = '${flow.group}'`);
  expect(letters).toHaveLength(10);
  for (const l of letters) expect(JSON.parse(String(l.headers))).toMatchObject({ trace: expect.stringMatching(/^trace-\d+$/u) as unknown, bin: { b64: expect.any(String) as unknown }, hop: ['first', expect.stringMatching(/^last-/u) as unknown] });

  const o = { config: [flow.dir], databaseUrl: url, format: 'json' };
  const list = JSON.parse((await listCommand({ ...o, group: flow.group })).stdout) as { letters: Array<{ id: string; offset: number }> };
  const first = list.letters.find((l) => l.offset === 1);
  const shown = await showCommand(first?.id ?? '', o);
  expect(shown.stderr).toBe('');
  expect((JSON.parse(shown.stdout) as { headers: unknown }).headers).toEqual({ trace: 'trace-1', bin: '(base64) /wE=', hop: 'last-1' });
  expect((await showCommand(first?.id ?? '', { ...o, format: 'text' })).stdout).toContain('headers:\n  trace: trace-1\n  bin: (base64) /wE=\n  hop: last-1\n');

  // The fixed spec replays the letters with the records' headers ($headers.hop: the last of two).
  flow.writeSpec(40);
  // The wider column, as `ddl --apply` makes it (MariaDB and PostgreSQL enforce the length).
  await migrateDatabase(url, validatePaths([flow.dir]).plan?.tables ?? [], { apply: true });
  const replayed = await replayCommand({ ...o, format: 'text', group: flow.group, progress: false });
  expect(replayed.code, replayed.stderr).toBe(0);
  const rows = await query(url, 'SELECT thing_id, trace, hop FROM things ORDER BY thing_id');
  expect(rows).toHaveLength(30);
  for (const r of rows) {
    const i = String(r.thing_id).slice(1);
    expect(r).toMatchObject({ trace: `trace-${i}`, hop: `last-${i}` });
  }
  expect(await query(url, `SELECT dlq_id FROM sc_dead_letters WHERE consumer_group = '${flow.group}'`)).toEqual([]);
}
