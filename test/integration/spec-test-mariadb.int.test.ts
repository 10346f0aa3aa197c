/** `sc-project test --database-url`: the shipped fixtures pass on real MariaDB too, not only on SQLite. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCommand } from '../../src/cli/test.js';
import { freshDatabase, skipWithout } from '../helpers/services.js';

describe.skipIf(skipWithout('DATABASE_URL'))('spec fixtures on MariaDB', () => {
  let db: Awaited<ReturnType<typeof freshDatabase>>;
  beforeAll(async () => { db = await freshDatabase('sc_fixtures'); });
  afterAll(async () => { await db?.drop(); });

  it('passes every shipped fixture case', async () => {
    const r = await testCommand({ config: ['projections'], fixtures: [], databaseUrl: db.url });
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL') || l.startsWith('  '))).toEqual([]);
    expect(r.code).toBe(0);
  });
});
