import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testCommand } from './test.js';

describe('sc-project test', () => {
  it('passes the shipped projections fixtures', async () => {
    const r = await testCommand({ config: ['projections'], fixtures: [] });
    // Every fixture file beside the shipped specs is run, none left out.
    const files = readdirSync('projections').filter((f) => f.endsWith('.test.yaml')).length;
    expect(r.stdout).toMatch(new RegExp(`^\\d+ passed, 0 failed \\(${files} fixture file\\(s\\)\\)$`, 'm'));
    expect(r.code).toBe(0);
  }, 60_000);

  it('prints the failing case with its file:line and the rows expected and found, and exits 1', async () => {
    const r = await testCommand({ config: ['test/fixtures/spec-test/things.yaml'], fixtures: ['test/fixtures/spec-test'] });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('PASS test/fixtures/spec-test/things.test.yaml:3 passes');
    expect(r.stdout).toContain('FAIL test/fixtures/spec-test/things.test.yaml:10 fails on a value');
    expect(r.stdout).toContain('    - expected {"id":"a","name":"Bob"}');
    expect(r.stdout).toContain('    + actual   {"id":"a","name":"Ada"}');
    expect(r.stdout).toMatch(/1 passed, 1 failed/);
  });

  it('reports a broken fixture file with its location', async () => {
    const r = await testCommand({ config: ['test/fixtures/spec-test/things.yaml'], fixtures: ['test/fixtures/spec-test/things.yaml'] });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/things\.yaml:1:1 error E_SCHEMA fixture:/);
  });
});
