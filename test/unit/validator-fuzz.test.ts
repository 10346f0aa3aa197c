/**
 * Validator fuzz (issue 12, point 7): a few thousand seeded mutations of the shipped projections
 * and the test fixtures. The validator must never throw, never hang (each case is one bounded
 * call; the suite has a count, not a duration), and locate every diagnostic inside the file; and
 * every spec it accepts must apply its DDL on SQLite, every index created (point 6).
 */
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTableStatements } from '../../src/sql/ddl.js';
import { ENGINE_TABLES } from '../../src/sql/engine-tables.js';
import { parseSpecText } from '../../src/spec/load.js';
import { validateLoaded, type ValidationResult } from '../../src/validate/index.js';
import { fuzzCases, type FuzzCase } from '../helpers/fuzz-specs.js';

const SEEDS = [1201, 1202, 1203, 1204];
const PER_SEED = 600;

function problems(c: FuzzCase, v: ValidationResult): string[] {
  const lines = c.text.split(/\r?\n/).length;
  return v.diagnostics
    .filter((d) => !(d.file === 'fuzz.yaml' && Number.isInteger(d.line) && Number.isInteger(d.col) && d.line >= 1 && d.col >= 1 && d.line <= lines + 1 && d.code.length > 0 && d.message.length > 0))
    .map((d) => `${c.name}: unlocated ${JSON.stringify(d)}`);
}

function applySqlite(c: FuzzCase, v: ValidationResult): string[] {
  if (v.plan === undefined) return [];
  const db = new Database(':memory:');
  try {
    const statements = createTableStatements([...v.plan.tables, ...ENGINE_TABLES], 'sqlite');
    for (const s of statements) db.exec(s);
    const indexes = statements.filter((s) => s.startsWith('create index') || s.startsWith('create unique index')).length;
    const made = (db.prepare(`select count(*) as n from sqlite_master where type = 'index' and name not like 'sqlite_autoindex%'`).get() as { n: number }).n;
    return made === indexes ? [] : [`${c.name}: ${indexes} CREATE INDEX statements made ${made} indexes`];
  } catch (e) {
    return [`${c.name}: accepted, but its DDL fails on SQLite: ${e instanceof Error ? e.message : String(e)}`];
  } finally {
    db.close();
  }
}

describe('validator fuzz', () => {
  it.each(SEEDS)('seed %i: no exception, every diagnostic located, accepted specs apply on SQLite', (seed) => {
    const failures: string[] = [];
    let accepted = 0;
    for (const c of fuzzCases(seed, PER_SEED)) {
      let v: ValidationResult;
      try {
        v = validateLoaded(parseSpecText('fuzz.yaml', c.text));
      } catch (e) {
        failures.push(`${c.name}: threw ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        continue;
      }
      if (v.plan !== undefined) accepted++;
      failures.push(...problems(c, v), ...applySqlite(c, v));
    }
    expect(failures.slice(0, 5)).toEqual([]);
    // The corpus must exercise both sides: some specs accepted, most rejected.
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThan(PER_SEED);
  }, 300_000);

  it('the cases are the same on every run', () => {
    expect(fuzzCases(7, 5)).toEqual(fuzzCases(7, 5));
  });
});
