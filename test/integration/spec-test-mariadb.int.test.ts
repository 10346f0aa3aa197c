/**
 * `sc-project test --database-url`: the shipped fixtures pass on every server database (MariaDB,
 * PostgreSQL), not only on SQLite.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCommand } from '../../src/cli/test.js';
import { eachServer, type FreshDb } from '../helpers/services.js';

const { skip, servers } = eachServer();

describe.skipIf(skip).each(servers)('spec fixtures on $name', (server) => {
  let db: FreshDb;
  beforeAll(async () => { db = await server.fresh('sc_fixtures'); });
  afterAll(async () => { await db?.drop(); });

  it('passes every shipped fixture case', async () => {
    const r = await testCommand({ config: ['projections'], fixtures: [], databaseUrl: db.url });
    expect(r.stdout.split('\n').filter((l) => l.startsWith('FAIL') || l.startsWith('  '))).toEqual([]);
    expect(r.code).toBe(0);
  });
});
