/**
 * Issue 20 (in progress): rebuild and cleanup do not run on PostgreSQL yet. They must say so in one
 * line and exit 1 before creating anything there, instead of failing half-way on the control
 * session with a misleading URL error and "what was built is kept".
 */
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { freshPostgresDatabase, skipWithout } from '../helpers/services.js';

const skip = skipWithout('POSTGRES_URL');
const BIN = new URL('../../bin/sc-project.js', import.meta.url).pathname;

function cli(args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('node', [BIN, ...args], { env: { ...process.env, DATABASE_URL: '' } }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : Number((err as { code?: unknown }).code ?? 1), out: `${stdout}${stderr}` });
    });
  });
}

describe.skipIf(skip)('issue 20: rebuild and cleanup on PostgreSQL are refused up front', () => {
  const drops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const d of drops) await d();
  });

  it.each([
    ['rebuild', ['rebuild', 'user-cards', '--config', 'projections', '--from', 'examples/events.ndjson']],
    ['cleanup', ['cleanup']],
  ])('%s: one line, exit 1, nothing created', async (_name, args) => {
    const db = await freshPostgresDatabase('sc_rb_pg');
    drops.push(db.drop);
    const r = await cli([...args, '--database-url', db.url]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/rebuild and cleanup do not run on postgres databases yet .*nothing was changed/u);
    expect(r.out).not.toMatch(/resume|\n\s+at /u);
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    const tables = await c.query("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
    await c.end();
    expect(tables.rows).toEqual([]);
  });
});
