/**
 * What validates, applies (issue 12, point 6): a sample of the fuzz corpus's accepted specs
 * applies its DDL on MariaDB, each on a fresh database, and a second apply is a no-op (the report
 * is truthful). The corpus is the unit fuzz test's (test/helpers/fuzz-specs.ts), seeded.
 */
import { randomBytes } from 'node:crypto';
import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyDdl } from '../../src/sql/apply.js';
import { openKnex } from '../../src/sql/connection.js';
import { parseSpecText } from '../../src/spec/load.js';
import { validateLoaded } from '../../src/validate/index.js';
import { fuzzCases } from '../helpers/fuzz-specs.js';

const DATABASE_URL = process.env.DATABASE_URL;
const SAMPLE = 25;

describe('accepted fuzz specs apply on MariaDB', () => {
  let admin: Knex;
  beforeAll(() => {
    if (DATABASE_URL === undefined) throw new Error('DATABASE_URL is not set: CI must run this against MariaDB');
    admin = openKnex(DATABASE_URL);
  });
  afterAll(async () => {
    await admin.destroy();
  });

  it(`${SAMPLE} accepted specs: DDL applies on a fresh database, and again as a no-op`, async () => {
    const accepted = fuzzCases(1299, 1500)
      .map((c) => ({ c, v: validateLoaded(parseSpecText('fuzz.yaml', c.text)) }))
      .filter((x) => x.v.plan !== undefined && x.v.plan.tables.length > 0)
      .slice(0, SAMPLE);
    expect(accepted.length).toBe(SAMPLE);
    const failures: string[] = [];
    for (const { c, v } of accepted) {
      const database = `sc_test_${randomBytes(6).toString('hex')}`;
      await admin.raw('create database ?? character set utf8mb4 collate utf8mb4_unicode_ci', [database]);
      const u = new URL(DATABASE_URL ?? '');
      u.pathname = `/${database}`;
      try {
        const tables = v.plan?.tables ?? [];
        const first = await applyDdl(u.toString(), tables);
        if (first.differences.length > 0) failures.push(`${c.name}: differences after create: ${JSON.stringify(first.differences)}`);
        const second = await applyDdl(u.toString(), tables);
        if (second.created.length + second.indexesCreated.length + second.differences.length > 0) {
          failures.push(`${c.name}: second apply not a no-op: ${JSON.stringify(second)}`);
        }
      } catch (e) {
        failures.push(`${c.name}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        await admin.raw('drop database if exists ??', [database]);
      }
    }
    expect(failures).toEqual([]);
  });
});
