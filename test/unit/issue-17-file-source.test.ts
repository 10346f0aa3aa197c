/**
 * Issue 17 item 2 and issue 18 items 3, 10, 11: the embedded default's file source never skips
 * input silently and hands the engine the bytes a Kafka message would carry.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type RuntimeOptions } from '../../src/runtime/runtime.js';
import { silentLogger } from '../../src/runtime/ops/log.js';

const SPEC = `projection: notes
group: g-notes
topics: [items]
unhandled: skip
tables:
  entries:
    key: [entry_id]
    columns:
      entry_id: { type: string, length: 64 }
      n:        { type: int, nullable: true }
      label:    { type: string, length: 64, nullable: true }
on:
  entry.set:
    - insert: entries
      set: { entry_id: $.entity_id, n: $.data.n, label: $.data.label }
`;

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'sc-file-source-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'notes.yaml'), SPEC);
  return { dir, db: join(dir, 'x.db') };
}

/** One line: event `id` sets entry `entity` (value text given raw when `raw`). */
function line(id: string, entity: string, n: number | string = 1, label = 'a'): string {
  return `{"topic":"items","key":"${entity}","value":{"event_type":"entry.set","event_id":"${id}","entity_id":"${entity}","entity_version":1,"data":{"n":${n},"label":"${label}"}}}\n`;
}

async function run(dir: string, db: string, from: string | string[], extra: Partial<RuntimeOptions> = {}) {
  const rt = await createRuntime({ config: dir, databaseUrl: `sqlite:${db}`, from, logger: silentLogger, statsInterval: 0, progress: false, ...extra });
  await rt.start();
  return rt.done;
}

function rows(db: string, sql = 'SELECT entry_id, n, label FROM entries ORDER BY entry_id'): unknown[] {
  const d = new Database(db, { readonly: true });
  try { return d.prepare(sql).all(); } finally { d.close(); }
}

describe('issue 17 item 2: a second --from file is never skipped silently', () => {
  it('refuses a different file into the same positions, with what to do, and applies none of it', async () => {
    const { dir, db } = setup();
    writeFileSync(join(dir, 'a.ndjson'), line('e1', 'a1') + line('e2', 'a2'));
    writeFileSync(join(dir, 'b.ndjson'), line('e3', 'b1') + line('e4', 'b2') + line('e5', 'b3'));
    await run(dir, db, join(dir, 'a.ndjson'));
    await expect(run(dir, db, join(dir, 'b.ndjson'))).rejects.toThrow(/does not continue .*--source NAME/s);
    expect(rows(db).length).toBe(2);
  });

  it('refuses a file whose consumed lines were edited', async () => {
    const { dir, db } = setup();
    const f = join(dir, 'a.ndjson');
    writeFileSync(f, line('e1', 'a1') + line('e2', 'a2'));
    await run(dir, db, f);
    writeFileSync(f, line('e1', 'a1') + line('e9', 'a9') + line('e3', 'a3'));
    await expect(run(dir, db, f)).rejects.toThrow(/does not continue/);
    expect(rows(db).length).toBe(2);
  });

  it('resumes a file that continues the recorded one (lines appended), also without a final newline before', async () => {
    const { dir, db } = setup();
    const f = join(dir, 'a.ndjson');
    writeFileSync(f, line('e1', 'a1') + line('e2', 'a2').trimEnd());
    await run(dir, db, f);
    appendFileSync(f, '\n' + line('e3', 'a3'));
    const s = await run(dir, db, f);
    expect(rows(db).length).toBe(3);
    expect(s.groups['g-notes']?.alreadyApplied).toBe(2);
  });

  it('a named source has positions of its own; several files in order are one stream', async () => {
    const { dir, db } = setup();
    writeFileSync(join(dir, 'a.ndjson'), line('e1', 'a1') + line('e2', 'a2'));
    writeFileSync(join(dir, 'b.ndjson'), line('e3', 'b1') + line('e4', 'b2'));
    writeFileSync(join(dir, 'c.ndjson'), line('e5', 'c1'));
    await run(dir, db, join(dir, 'a.ndjson'));
    await run(dir, db, join(dir, 'b.ndjson'), { source: 'backfill' });
    expect(rows(db).length).toBe(4);
    // a then c continues the default source's stream.
    await run(dir, db, [join(dir, 'a.ndjson'), join(dir, 'c.ndjson')]);
    expect(rows(db).length).toBe(5);
  });

  it('reads standard input (--from -) and verifies its prefix while streaming', async () => {
    const { dir, db } = setup();
    const feed = (text: string) => { const s = new PassThrough(); s.end(text); return s; };
    await run(dir, db, '-', { stdin: feed(line('e1', 'a1') + line('e2', 'a2')) });
    await run(dir, db, '-', { stdin: feed(line('e1', 'a1') + line('e2', 'a2') + line('e3', 'a3')) });
    expect(rows(db).length).toBe(3);
    await expect(run(dir, db, '-', { stdin: feed(line('e7', 'x1') + line('e8', 'x2') + line('e9', 'x3') + line('e10', 'x4')) })).rejects.toThrow(/does not continue/);
    expect(rows(db).length).toBe(3);
  });

  it('refuses a file run into a group whose positions did not come from a file (a Kafka engine)', async () => {
    const { dir, db } = setup();
    writeFileSync(join(dir, 'a.ndjson'), line('e1', 'a1'));
    await run(dir, db, join(dir, 'a.ndjson'));
    const d = new Database(db);
    d.prepare('DELETE FROM sc_sources').run();
    d.close();
    await expect(run(dir, db, join(dir, 'a.ndjson'))).rejects.toThrow(/positions .*not .*file|Kafka/s);
  });
});

describe('issue 18 item 3: --from hands the engine the bytes of the line', () => {
  it('a number JSON.parse cannot hold is a dead letter, an id like 1e400 is kept as written, invalid UTF-8 is a dead letter', async () => {
    const { dir, db } = setup();
    const bad = Buffer.concat([Buffer.from(`{"topic":"items","key":"c3","value":{"event_type":"entry.set","event_id":"e3","entity_id":"c3","entity_version":1,"data":{"n":3,"label":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}}}\n')]);
    writeFileSync(join(dir, 'a.ndjson'), Buffer.concat([
      Buffer.from(line('e1', 'c1', '1e400')),
      Buffer.from(`{"topic":"items","key":"c2","value":{"event_type":"entry.set","event_id":1e400,"entity_id":"c2","entity_version":1,"data":{"n":2,"label":"b"}}}\n`),
      bad,
    ]));
    const s = await run(dir, db, join(dir, 'a.ndjson'));
    expect(rows(db)).toEqual([{ entry_id: 'c2', n: 2, label: 'b' }]);
    expect(s.groups['g-notes']?.deadLettered).toBe(2);
    const reasons = rows(db, 'SELECT reason FROM sc_dead_letters ORDER BY "offset"').map((r) => (r as { reason: string }).reason);
    // As through Kafka: the number as written, out of the column's range (not Infinity's NULL).
    expect(reasons[0]).toMatch(/1e400 is out of range/);
    expect(reasons[1]).toMatch(/UTF-8/);
  });
});

describe('issue 18 item 11: long lines and reads that block', () => {
  it('a line over the bound is a dead letter with its first bytes, and the run goes on', async () => {
    const { dir, db } = setup();
    writeFileSync(join(dir, 'a.ndjson'), line('e1', 'a1', 1, 'x'.repeat(60)) + line('e2', 'a2') + `{"topic":"items","value":"${'y'.repeat(5000)}"}\n` + line('e3', 'a3'));
    const s = await run(dir, db, join(dir, 'a.ndjson'), { maxLineBytes: 200 });
    expect(rows(db).map((r) => (r as { entry_id: string }).entry_id)).toEqual(['a2', 'a3']);
    expect(s.groups['g-notes']?.deadLettered).toBe(2);
    const letters = rows(db, 'SELECT "offset", reason, value_bytes FROM sc_dead_letters ORDER BY "offset"') as Array<{ offset: number; reason: string; value_bytes: string }>;
    expect(letters.map((l) => l.offset)).toEqual([0, 2]);
    expect(letters[1]?.reason).toMatch(/^line 3: longer than the limit of 200 bytes \(--max-line-bytes\): 5028 bytes; the dead letter keeps its first 200$/);
    expect(Buffer.from(letters[1]?.value_bytes ?? '', 'base64').toString('latin1')).toMatch(/^\{"topic":"items","value":"yyy/);
  });

  it('a stop ends a run blocked in a read promptly, with the usual clean stop', async () => {
    const { dir, db } = setup();
    const fifo = join(dir, 'pipe');
    execFileSync('mkfifo', [fifo]);
    const rt = await createRuntime({ config: dir, databaseUrl: `sqlite:${db}`, from: fifo, logger: silentLogger, statsInterval: 0, progress: false });
    // A writer that never writes: the engine's read blocks.
    const writerOpened = new Promise<number>((resolve) => setTimeout(() => resolve(openSync(fifo, 'w')), 200));
    await rt.start();
    const fd = await writerOpened;
    try {
      await new Promise((r) => setTimeout(r, 300));
      const t0 = Date.now();
      await rt.stop();
      await rt.done;
      expect(Date.now() - t0).toBeLessThan(3000);
    } finally {
      closeSync(fd);
    }
  }, 20_000);
});
