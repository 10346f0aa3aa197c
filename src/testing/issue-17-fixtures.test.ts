/**
 * Issue 17, item 7 (fixtures): a row-count expectation (`table: { count: N }`), failure output
 * that names the column that differs (expected vs found, on the closest row), and the fixture
 * JSON Schema, enforced on load and referenced by every shipped fixture file.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testCommand } from '../cli/test.js';
import type { TableDef } from '../compile/plan.js';
import { compareTable } from './compare.js';
import { listFixtureFiles, loadFixtures } from './fixtures.js';

const SPEC = `projection: things
group: things-group
topics: [things]
tables:
  things:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      name: { type: string, length: 32 }
      size: { type: int, default: 0 }
on:
  thing.created:
    - insert: things
      set: { id: $.entity_id, name: $.data.name, size: $.data.size }
`;
const created = (id: string, name: string, size: number) =>
  `      - topic: things\n        value: { event_type: thing.created, event_id: e-${id}, entity_id: ${id}, data: { name: ${name}, size: ${size} } }\n`;

async function run(fixture: string) {
  const dir = mkdtempSync(join(tmpdir(), 'sc-fixtures-'));
  writeFileSync(join(dir, 'things.yaml'), SPEC);
  writeFileSync(join(dir, 'things.test.yaml'), fixture);
  return testCommand({ config: [join(dir, 'things.yaml')], fixtures: [join(dir, 'things.test.yaml')] });
}

describe('fixtures (issue 17, item 7)', () => {
  it('a table may expect a row count instead of rows', async () => {
    const r = await run(`tests:\n  - name: two things\n    given:\n${created('a', 'Ada', 1)}${created('b', 'Bob', 2)}    expect:\n      things: { count: 2 }\n` +
      `  - name: three expected\n    given:\n${created('a', 'Ada', 1)}    expect:\n      things: { count: 3 }\n` +
      `  - name: none\n    given: []\n    expect:\n      things: { count: 0 }\n`);
    expect(r.stdout).toMatch(/PASS \S+things\.test\.yaml:2 two things/);
    expect(r.stdout).toMatch(/FAIL \S+things\.test\.yaml:10 three expected\n {2}table things:\n {4}expected 3 row\(s\), found 1\n/);
    expect(r.stdout).toMatch(/PASS \S+things\.test\.yaml:16 none/);
    expect(r.stdout).toContain('2 passed, 1 failed');
    expect(r.code).toBe(1);
  });

  it('a failing row names the columns that differ, expected vs found, on the closest row', async () => {
    const r = await run(`tests:\n  - name: wrong values\n    given:\n${created('a', 'Ada', 1)}${created('b', 'Bob', 2)}    expect:\n      things:\n        - { id: a, name: Ada, size: 1 }\n        - { id: b, name: Rob, size: 3 }\n`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain([
      '    - expected {"id":"b","name":"Rob","size":3}',
      '      closest row (id b) differs in:',
      '        name: expected "Rob", found "Bob"',
      '        size: expected 3, found 2',
    ].join('\n'));
  });

  it('the closest row is the one at the same position when ordered, and any row when fewer rows exist than expected', async () => {
    const ordered = await run(`tests:\n  - name: in order\n    ordered: true\n    given:\n${created('a', 'Ada', 1)}${created('b', 'Bob', 2)}    expect:\n      things:\n        - { id: a, name: Bob, size: 2 }\n        - { id: b, name: Bob, size: 2 }\n`);
    // Row b matches every value but sits at position 2: position 1 is compared with row a.
    expect(ordered.stdout).toContain([
      '    - expected {"id":"a","name":"Bob","size":2}',
      '      closest row (id a) differs in:',
      '        name: expected "Bob", found "Ada"',
      '        size: expected 2, found 1',
    ].join('\n'));
    const fewer = await run(`tests:\n  - name: one row short\n    given:\n${created('a', 'Ada', 1)}    expect:\n      things:\n        - { id: a, name: Ada }\n        - { id: b, name: Ada }\n`);
    expect(fewer.stdout).toContain([
      '    expected 2 row(s), found 1',
      '    - expected {"id":"b","name":"Ada"}',
      '      closest row (id a) differs in:',
      '        id: expected "b", found "a"',
    ].join('\n'));
  });

  it('a json column is shown as the document it holds', () => {
    const table: TableDef = {
      name: 'docs', key: ['id'], unique: [], indexes: [], log: false,
      columns: [{ name: 'id', type: 'string', length: 8, nullable: false }, { name: 'body', type: 'json', nullable: true }],
    };
    const d = compareTable(table, 'docs', [{ id: 'a', body: { n: 2 } }], [{ id: 'a', body: '{"n":1}' }], false);
    expect(d?.closest).toEqual([{ key: 'id a', columns: [{ column: 'body', expected: { n: 2 }, found: { n: 1 } }] }]);
  });

  it('the fixture schema is enforced on load: a count is a non-negative integer, alone', async () => {
    const errors = async (expectation: string) => {
      const r = await run(`tests:\n  - name: bad count\n    given:\n${created('a', 'Ada', 1)}    expect:\n      things: ${expectation}\n`);
      expect(r.code).toBe(1);
      return r.stderr.split('\n').filter((l) => l.includes(' error ')).map((l) => l.replace(/^.*things\.test\.yaml:/, ''));
    };
    // One located error each: no summary of the count-or-rows choice beside it.
    expect(await errors('{ count: -1 }')).toEqual(['7:24 error E_SCHEMA fixture: must be >= 0']);
    expect(await errors('{ count: 1.5 }')).toEqual(['7:24 error E_SCHEMA fixture: must be integer']);
    expect(await errors('{ count: 1, rows: [] }')).toEqual(['7:15 error E_SCHEMA fixture: must NOT have additional properties (rows)']);
    expect(await errors('{}')).toEqual(["7:15 error E_SCHEMA fixture: must have required property 'count'"]);
    expect(await errors('3')).toEqual(['7:15 error E_SCHEMA fixture: must be array']);
  });

  it('every shipped fixture file names the fixture schema for editors, as the spec files name theirs, and is valid by it', () => {
    const files = listFixtureFiles(['projections', 'test/fixtures']);
    expect(files.length).toBeGreaterThan(12);
    for (const f of files) {
      const first = readFileSync(f, 'utf8').split('\n')[0] ?? '';
      const want = relative(dirname(f), 'schemas/fixture.schema.json').split(sep).join('/');
      expect(first, f).toBe(`# yaml-language-server: $schema=${want}`);
    }
    expect(loadFixtures(files).diagnostics).toEqual([]);
  });
});
