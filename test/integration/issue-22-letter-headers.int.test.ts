/**
 * Issue 22 on MariaDB and PostgreSQL: sc_dead_letters keeps the record's headers. A database of the
 * older shape (no headers column) takes a letter without headers; a `--from` run adds the column
 * (additive, no --migrate) and keeps each letter's headers; `dead-letters show` prints them; the
 * fixed spec's replay gives them back as `$headers` (a repeated one: the last). The same checks
 * run on SQLite in src/runtime/dead-letters/issue-22-table-headers.test.ts.
 */
import { describe, it } from 'vitest';
import { openKnex, parseDatabaseUrl } from '../../src/sql/connection.js';
import { checkHeaderLetters } from '../helpers/header-letters-check.js';
import { testResources } from '../helpers/scenario.js';
import { eachServer, queryDb } from '../helpers/services.js';

const { skip, servers } = eachServer();

async function rows(url: string, sql: string): Promise<Array<Record<string, unknown>>> {
  if (parseDatabaseUrl(url).kind === 'mysql') return queryDb(url, sql);
  const k = openKnex(url);
  try {
    return ((await k.raw(sql)) as { rows: Array<Record<string, unknown>> }).rows;
  } finally {
    await k.destroy();
  }
}

describe.skipIf(skip).each(servers)('issue 22: table letters keep their headers ($name)', (server) => {
  const { onCleanup } = testResources();

  it('an older database gets the column from run; show prints the headers; replay gives them back', async () => {
    const db = await server.fresh('sc_it_hletters');
    onCleanup(() => db.drop());
    await checkHeaderLetters(db.url, rows, (f) => onCleanup(f));
  }, 120_000);
});
