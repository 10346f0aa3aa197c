/**
 * What validates, applies (issue 12, point 6): a sample of the fuzz corpus's accepted specs
 * applies its DDL on every server database (MariaDB, PostgreSQL), each on a fresh database, and a
 * second apply is a no-op (the report is truthful). The corpus is the unit fuzz test's
 * (test/helpers/fuzz-specs.ts), seeded.
 */
import { describe, expect, it } from 'vitest';
import { applyDdl } from '../../src/sql/apply.js';
import { parseSpecText } from '../../src/spec/load.js';
import { validateLoaded } from '../../src/validate/index.js';
import { fuzzCases } from '../helpers/fuzz-specs.js';
import { eachServer } from '../helpers/services.js';

const SAMPLE = 25;
const { skip, servers } = eachServer();

describe.skipIf(skip).each(servers)('accepted fuzz specs apply on $name', (server) => {
  it(`${SAMPLE} accepted specs: DDL applies on a fresh database, and again as a no-op`, async () => {
    const accepted = fuzzCases(1299, 1500)
      .map((c) => ({ c, v: validateLoaded(parseSpecText('fuzz.yaml', c.text)) }))
      .filter((x) => x.v.plan !== undefined && x.v.plan.tables.length > 0)
      .slice(0, SAMPLE);
    expect(accepted.length).toBe(SAMPLE);
    const failures: string[] = [];
    for (const { c, v } of accepted) {
      const db = await server.fresh('sc_fuzz');
      try {
        const tables = v.plan?.tables ?? [];
        const first = await applyDdl(db.url, tables);
        if (first.differences.length > 0) failures.push(`${c.name}: differences after create: ${JSON.stringify(first.differences)}`);
        const second = await applyDdl(db.url, tables);
        if (second.created.length + second.indexesCreated.length + second.differences.length > 0) {
          failures.push(`${c.name}: second apply not a no-op: ${JSON.stringify(second)}`);
        }
      } catch (e) {
        failures.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await db.drop();
      }
    }
    expect(failures).toEqual([]);
  });
});
