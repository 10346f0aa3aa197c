/**
 * Issue 17, item 4: `run --from` is a one-shot job a CI gates on. It exits 3 when it finished but
 * dead-lettered messages or missed operations (undelivered HTTP batches likewise), 0 when all was
 * applied, and `--exit-zero` keeps 0; the summary's last line states the outcome. `status` and
 * `cleanup` take the embedded default database as `run --from` does.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXIT_INCOMPLETE } from './io.js';
import { cleanupCommand } from './rebuild.js';
import { runCommand, shortfallOf, type RunOptions } from './run.js';
import type { RunSummary } from '../runtime/runtime.js';
import { statusCommand } from './status.js';

const SPEC = `
projection: tallies
group: g
topics: [t]
tables:
  tallies:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      n: { type: int, default: 0 }
on:
  tally.created:
    - insert: tallies
      set: { id: $.data.id }
  tally.bumped:
    - increment: tallies
      where: { id: $.data.id }
      by: { n: 1 }
      on_missing: skip
`;

const line = (type: string, id: string, data: Record<string, unknown>) => JSON.stringify({ topic: 't', key: null, value: { event_type: type, event_id: id, entity_id: 'x', data } });

let dir: string;
let cwd: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sc-exit-'));
  writeFileSync(join(dir, 'spec.yaml'), SPEC);
  cwd = process.cwd();
  process.chdir(dir);
});

afterEach(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

function options(from: string, extra: Partial<RunOptions> = {}): RunOptions {
  return { config: [join(dir, 'spec.yaml')], from: [from], databaseUrl: `sqlite:${join(dir, 'db.sqlite')}`, logFormat: 'json', statsInterval: '0', processedRetention: '0', clientId: 'x', sessionTimeout: '30', concurrency: '1', progress: false, notReadyAfter: '15', startFrom: 'earliest', ...extra };
}

describe('what a run did not apply', () => {
  it('counts HTTP batches left undelivered and records not yet in a batch, as dead letters and missed operations', () => {
    const s = {
      groups: { g: { deadLettered: 1, missed: 2 } },
      outputs: { o: { deadLettered: 3, pendingBatches: 2, buffered: { items: 4, tags: 1 } } },
    } as unknown as RunSummary;
    expect(shortfallOf(s)).toEqual(['4 dead-lettered', '2 missed', '2 HTTP batch(es) undelivered', '5 HTTP record(s) not yet in a batch']);
    expect(shortfallOf({ groups: { g: { deadLettered: 0, missed: 0 } } } as unknown as RunSummary)).toEqual([]);
  });
});

const lastLine = (text: string) => text.trimEnd().split('\n').at(-1);

describe('run --from exit status', () => {
  it('exits 0 when every message was applied, and says so last', async () => {
    writeFileSync(join(dir, 'good.ndjson'), [line('tally.created', 'e1', { id: 'a' }), line('tally.bumped', 'e2', { id: 'a' })].join('\n') + '\n');
    const r = await runCommand(options(join(dir, 'good.ndjson')));
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe('outcome: every message applied (exit 0)');
  });

  it('exits 3 when it dead-lettered messages or missed operations, naming them in the last line', async () => {
    writeFileSync(join(dir, 'bad.ndjson'), [line('tally.created', 'e1', { id: 'a' }), '{oops', line('tally.bumped', 'e2', {})].join('\n') + '\n');
    const r = await runCommand(options(join(dir, 'bad.ndjson')));
    expect(r.code).toBe(EXIT_INCOMPLETE);
    expect(EXIT_INCOMPLETE).toBe(3);
    expect(lastLine(r.stdout)).toBe('outcome: not everything was applied: 1 dead-lettered, 1 missed (exit 3; --exit-zero exits 0)');
  });

  it('--exit-zero keeps exit 0 and still states the outcome', async () => {
    writeFileSync(join(dir, 'bad.ndjson'), ['{oops'].join('\n') + '\n');
    const r = await runCommand(options(join(dir, 'bad.ndjson'), { exitZero: true }));
    expect(r.code).toBe(0);
    expect(lastLine(r.stdout)).toBe('outcome: not everything was applied: 1 dead-lettered (exit 0: --exit-zero)');
  });
});

describe('status and cleanup take the embedded default', () => {
  it('read sqlite:./sc-project.db without --database-url once run --from made it', async () => {
    writeFileSync(join(dir, 'good.ndjson'), line('tally.created', 'e1', { id: 'a' }) + '\n');
    expect((await runCommand(options(join(dir, 'good.ndjson'), { databaseUrl: undefined }))).code).toBe(0);
    const status = await statusCommand({ config: [join(dir, 'spec.yaml')], format: 'json' });
    expect(status.code).toBe(0);
    expect(status.stdout).toContain('"group": "g"');
    expect(await cleanupCommand([], { logFormat: 'text' })).toMatchObject({ code: 0, stdout: 'nothing to drop\n' });
  });

  it('say where they looked when there is no embedded database', async () => {
    const status = await statusCommand({ config: [join(dir, 'spec.yaml')], format: 'text' });
    expect(status).toMatchObject({ code: 1, stderr: 'no database: sqlite:./sc-project.db (the default) does not exist here; run sc-project run --from <file.ndjson> first, or give --database-url or DATABASE_URL\n' });
    expect((await cleanupCommand([], { logFormat: 'text' })).code).toBe(1);
  });
});
