/**
 * Statements fit max_allowed_packet (issue 12 point 1), on a real MariaDB: two 9 MB events must not
 * share one multi-row statement (together they pass the server's 16 MB packet), and one event whose
 * row alone passes it is dead-lettered with a reason; the rest commits, the engine goes on.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { afterAll, describe, expect, it } from 'vitest';
import { openKnex } from '../../src/sql/connection.js';
import { createRuntime } from '../../src/runtime/runtime.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import { freshDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('DATABASE_URL');
const dir = mkdtempSync(join(tmpdir(), 'sc-oversize-it-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SPEC = `projection: big-docs
group: big-docs
topics: [docs]
tables:
  big_docs:
    key: [id]
    columns:
      id: { type: string, length: 64 }
      doc: { type: json, nullable: true }
on:
  doc.written:
    - insert: big_docs
      set: { id: $.entity_id, doc: $.data.doc }
`;

const line = (id: string, chars: number): string =>
  JSON.stringify({ topic: 'docs', key: id, value: { event_type: 'doc.written', event_id: id, entity_id: id, data: { doc: { s: 'x'.repeat(chars) } } } });

describe.skipIf(skip)('statements split by bytes under max_allowed_packet (MariaDB)', () => {
  it('two 9 MB events commit in separate statements; a 20 MB event is a dead letter; the rest applies', async () => {
    const db = await freshDatabase('sc_big');
    try {
      const admin = await mysql.createConnection(db.url);
      const [[packet]] = (await admin.query('SELECT @@max_allowed_packet AS p')) as unknown as [[{ p: number }]];
      await admin.end();
      const MB = 1024 * 1024;
      // The case only means something while two such events overflow one packet and one fits it.
      expect(packet.p).toBeLessThan(18 * MB);
      expect(packet.p).toBeGreaterThan(10 * MB);
      mkdirSync(join(dir, 'spec'), { recursive: true });
      writeFileSync(join(dir, 'spec', 'big-docs.yaml'), SPEC);
      const file = join(dir, 'docs.ndjson');
      writeFileSync(file, [line('a', 9 * MB), line('b', 9 * MB), line('c', 10), line('d', 20 * MB), line('e', 10)].join('\n') + '\n');
      // Lines past the default --max-line-bytes (16 MiB) would be refused before the database sees them.
      const rt = await createRuntime({ config: join(dir, 'spec'), databaseUrl: db.url, from: file, maxLineBytes: 64 * MB, logger: silentLogger, statsInterval: 0 });
      await rt.start();
      const summary = await rt.done;
      expect(summary.groups['big-docs']).toMatchObject({ events: 5, applied: 4, deadLettered: 1 });
      const k = openKnex(db.url);
      try {
        const rows = (await k('big_docs').select('id', k.raw('LENGTH(doc) AS n')).orderBy('id')) as Array<{ id: string; n: number }>;
        expect(rows.map((r) => [r.id, Number(r.n) > 9 * MB || Number(r.n) < 100])).toEqual([['a', true], ['b', true], ['c', true], ['e', true]]);
        const letters = (await k('sc_dead_letters').select('offset', 'reason')) as Array<{ offset: number; reason: string }>;
        expect(letters.map((l) => Number(l.offset))).toEqual([3]);
        expect(letters[0]?.reason).toMatch(/max_allowed_packet/);
      } finally {
        await k.destroy();
      }
    } finally {
      await db.drop();
    }
  }, 240_000);
});
