/**
 * Issue 22's table letters with headers: a spec whose `name` column is too short dead-letters the
 * events with longer names into sc_dead_letters (a `--from` run), and whose columns read the
 * record's headers (`$headers.trace`, a repeated `$headers.hop`: the last). Widening the column and
 * replaying must give the rows the headers the records carried. Runs on any database URL.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDdl } from '../../src/sql/apply.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { uniqueName } from './services.js';

export interface HeaderLetters {
  dir: string;
  topic: string;
  group: string;
  /** The NDJSON file of `n` events: every 3rd has a name too long for the short column. */
  file: string;
  writeSpec(nameLength: number): void;
  run(url: string): Promise<void>;
  remove(): void;
}

export function headerLetters(test: string, n: number): HeaderLetters {
  const base = uniqueName(`it-${test}`);
  const dir = mkdtempSync(join(tmpdir(), 'sc-it-hletters-'));
  const topic = `${base}.things`;
  const group = base;
  const writeSpec = (nameLength: number): void => writeFileSync(join(dir, 'things.yaml'), [
    'projection: it-things', `group: ${group}`, `topics: [${topic}]`,
    'tables:', '  things:', '    key: [thing_id]', '    columns:',
    '      thing_id: { type: string, length: 64 }', `      name: { type: string, length: ${nameLength} }`,
    '      trace: { type: string, length: 64, nullable: true }', '      hop: { type: string, length: 16, nullable: true }',
    'on:', '  thing.made:', '    - insert: things',
    '      set: { thing_id: $.entity_id, name: $.data.name, trace: $headers.trace, hop: $headers.hop }', '',
  ].join('\n'));
  writeSpec(5);
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, Array.from({ length: n }, (_, i) => JSON.stringify({
    topic, key: `t${i}`,
    value: { event_id: `e-${i}`, event_type: 'thing.made', entity_id: `t${i}`, data: { name: i % 3 === 1 ? `a-longer-name-${i}` : `n${i}` } },
    headers: { trace: `trace-${i}`, bin: { b64: Buffer.from([0xff, i % 256]).toString('base64') }, hop: ['first', `last-${i}`] },
  })).join('\n') + '\n');
  const run = async (url: string): Promise<void> => {
    const rt = await createRuntime({ config: dir, databaseUrl: url, from: file, logger: silentLogger, statsInterval: 0, progress: false });
    await rt.start();
    await rt.done;
  };
  return { dir, topic, group, file, writeSpec, run, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** sc_dead_letters as a version before issue 22 made it (no headers column), for the additive change. */
export async function oldLettersTable(url: string): Promise<void> {
  const now = ENGINE_TABLES.find((t) => t.name === 'sc_dead_letters');
  if (now === undefined) throw new Error('no sc_dead_letters');
  await applyDdl(url, [{ ...now, columns: now.columns.filter((c) => c.name !== 'headers') }]);
}
