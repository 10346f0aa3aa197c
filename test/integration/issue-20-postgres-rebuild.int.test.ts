/**
 * Issue 20: rebuild and cleanup on PostgreSQL (they were refused up front). The shipped example
 * stream goes in with `run --from`, then `rebuild user-cards --from` runs twice in a row and
 * `cleanup` drops what each kept: every step exits 0 and the table holds the run's rows. The
 * second rebuild is the one that failed on the names a renamed table keeps: PostgreSQL's primary
 * key constraint (`<table>_pkey`) and indexes are named per schema and follow a RENAME, so the
 * shadow table's key is named after its generation (TableDef.indexBase), never `<t>__next_pkey`.
 */
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresDatabase, queryDb, skipWithout } from '../helpers/services.js';

const skip = skipWithout('POSTGRES_URL');
const BIN = new URL('../../bin/sc-project.js', import.meta.url).pathname;

function cli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env: { ...process.env, DATABASE_URL: '' }, timeout: 120_000 }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), out: `${stdout}${stderr}` });
    });
  });
}

describe.skipIf(skip)('issue 20: rebuild and cleanup on PostgreSQL', () => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const d of drops) await d();
  });

  it('two rebuilds in a row, then cleanup: each exits 0 and the table keeps the rows of the run', async () => {
    const db = await freshPostgresDatabase('sc_rb_pg');
    drops.push(db.drop);
    const from = ['--config', 'projections', '--from', 'examples/events.ndjson', '--database-url', db.url];
    const rows = () => queryDb(db.url, 'SELECT * FROM user_cards ORDER BY user_id');
    // --exit-zero: the example stream holds bad messages on purpose (dead letters exit 3).
    const run = await cli(['run', ...from, '--exit-zero']);
    expect(run.code, run.out).toBe(0);
    const before = await rows();
    expect(before.length).toBeGreaterThan(0);

    for (const round of [1, 2]) {
      const r = await cli(['rebuild', 'user-cards', ...from]);
      expect(r.code, `rebuild ${round}: ${r.out}`).toBe(0);
      expect(await rows()).toEqual(before);
    }
    // Each generation's key is named after it: none is left named after __next.
    const keys = await queryDb(db.url, "SELECT conname FROM pg_constraint WHERE contype = 'p' AND conrelid::regclass::text LIKE 'user_cards%' ORDER BY conname");
    expect(keys.map((k) => String(k.conname)).filter((n) => n.includes('__next'))).toEqual([]);

    const clean = await cli(['cleanup', '--database-url', db.url]);
    expect(clean.code, clean.out).toBe(0);
    const tables = await queryDb(db.url, "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_name LIKE 'user\\_cards%' ORDER BY table_name");
    expect(tables).toEqual([{ t: 'user_cards' }]);
  });
});
