/**
 * Issue 20, step 1: `ddl --apply` on a real PostgreSQL (POSTGRES_URL, a fresh database per test)
 * creates the shipped projections' tables and the engine's; `ddl --diff` then finds nothing; the
 * introspection reads back the types, keys, collations and defaults ddl.ts wrote.
 */
import { execFile } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { applyDdl } from '../../src/sql/apply.js';
import { openKnex } from '../../src/sql/connection.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { introspect } from '../../src/sql/introspect.js';
import { orderLines } from '../fixtures/tables.js';
import { BIN, ROOT } from '../helpers/runner.js';
import { freshPostgresDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('POSTGRES_URL');

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), stdout, stderr });
    });
  });
}

describe.skipIf(skip)('ddl on PostgreSQL (issue 20)', () => {
  let drop: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await drop?.();
    drop = undefined;
  });

  it('ddl --apply creates the shipped projections and the engine tables; ddl --diff then finds nothing', async () => {
    const db = await freshPostgresDatabase();
    drop = db.drop;
    const applied = await cli(['ddl', '--apply', '--database-url', db.url]);
    expect(applied.stderr).toBe('');
    expect(applied.code).toBe(0);
    expect(applied.stdout).toMatch(/applied: sc_processed_events: create table/);
    const diff = await cli(['ddl', '--diff', '--database-url', db.url]);
    expect(diff.stdout).toContain('0 change(s), 0 safe, 0 need(s) a rebuild');
    expect(diff.code).toBe(0);
    const again = await cli(['ddl', '--apply', '--database-url', db.url]);
    expect(again.stdout).toContain('0 change(s) applied');
    // Never the password in what the commands print.
    const password = decodeURIComponent(new URL(db.url).password);
    for (const out of [applied, diff, again]) expect(`${out.stdout}${out.stderr}`).not.toContain(`:${password}@`);
  });

  it('reads back what it created: exact types, keys collated "C", defaults, indexes', async () => {
    const db = await freshPostgresDatabase();
    drop = db.drop;
    const first = await applyDdl(db.url, [orderLines, ...ENGINE_TABLES]);
    expect(first.differences).toEqual([]);
    expect(first.created).toHaveLength(1 + ENGINE_TABLES.length);
    const second = await applyDdl(db.url, [orderLines, ...ENGINE_TABLES]);
    expect(second).toMatchObject({ created: [], indexesCreated: [], differences: [] });
    expect(second.unchanged).toHaveLength(1 + ENGINE_TABLES.length);

    const k = openKnex(db.url);
    try {
      const live = await introspect(k, 'postgres');
      const t = live.get('order_lines');
      const col = (name: string) => t?.columns.find((c) => c.name === name);
      expect(t?.primaryKey).toEqual(['order_id', 'line_no']);
      expect(col('order_id')).toEqual({ name: 'order_id', type: 'varchar(64)', nullable: false, default: null, collation: 'C' });
      expect(col('unit_price')).toMatchObject({ type: 'numeric(12,4)', default: '0.0000' });
      expect(col('placed_at')).toMatchObject({ type: 'timestamp(3)', nullable: false });
      expect(col('attributes')).toMatchObject({ type: 'jsonb', nullable: true });
      expect(col('is_gift')).toMatchObject({ type: 'boolean', default: '0' });
      expect(col('status')).toMatchObject({ default: "it's new?", collation: null });
      expect(t?.indexes.find((i) => i.unique)?.columns).toEqual(['order_id', 'sku']);
      // Keys compare byte for byte: 'a', 'A' and 'a ' are three rows, sorted in byte order by the column's own collation.
      await k.raw(`insert into "sc_spec_fingerprints" ("projection", "fingerprint", "shape", "updated_at") values ('a', 'f', 's', now()), ('A', 'f', 's', now()), ('a ', 'f', 's', now()), ('b', 'f', 's', now())`);
      const sorted = (await k.raw(`select "projection" as p from "sc_spec_fingerprints" order by "projection"`)) as { rows: Array<{ p: string }> };
      expect(sorted.rows.map((r) => r.p)).toEqual(['A', 'a', 'a ', 'b']);
    } finally {
      await k.destroy();
    }
  });
});
