/**
 * Invalid specs, one mistake each (test/fixtures/invalid/), with the exact `file:line:col code`
 * every diagnostic must carry and a piece of its message saying what was expected. A folder holds
 * a mistake that spans files. Also: the whole folder at once reports the same, and the CLI's exit codes.
 */
import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../cli/main.js';
import { validateCommand } from '../cli/validate.js';
import type { Diagnostic } from '../diagnostics.js';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded, validatePaths } from './index.js';

const DIR = 'test/fixtures/invalid';
const VALID = 'test/fixtures/specs';

/** Fixture (file, or folder) → [`line:col CODE` (prefixed by the file inside a folder), message fragment]. */
const CASES: Record<string, Array<[string, string]>> = {
  'yaml-syntax.yaml': [['8:11 E_YAML_SYNTAX', 'Nested mappings are not allowed']],
  'yaml-unclosed-flow.yaml': [['3:9 E_YAML_SYNTAX', 'end with a ]']],
  'duplicate-key.yaml': [['10:7 E_DUPLICATE_KEY', 'duplicate key "name": keys of a mapping must be unique']],
  'not-a-mapping.yaml': [['2:1 E_NOT_A_MAPPING', 'expected a projection: a mapping with projection, group, topics, tables and on']],
  'unknown-key-top.yaml': [['4:1 E_UNKNOWN_KEY', 'unknown key "table" (did you mean "tables"?); expected one of: projection, description, group, topics, envelope, formats, unhandled, on_missing, tables, outputs, on']],
  'unknown-key-table.yaml': [['7:5 E_UNKNOWN_KEY', 'unknown key "primary" in unknown_key_table; expected one of: description, key, unique']],
  'unknown-key-column.yaml': [['9:29 E_UNKNOWN_KEY', 'unknown key "size" in name; expected one of: type, length, precision']],
  'unknown-key-operation.yaml': [['14:7 E_UNKNOWN_KEY', 'unknown key "on_conflict" in thing.renamed; expected one of: update, where, set, guard']],
  'unknown-key-value-form.yaml': [['15:36 E_UNKNOWN_KEY', 'unknown key "fallback" in name; expected one of: path, default, if_missing']],
  'missing-required.yaml': [['11:7 E_REQUIRED', 'missing required key "set"']],
  'wrong-type.yaml': [['9:37 E_TYPE', 'expected integer, got "long"']],
  'wrong-type-top.yaml': [['3:9 E_TYPE', 'expected array, got "t.wrong-type-top"']],
  'bad-enum.yaml': [['9:13 E_ENUM', 'expected one of "string", "text", "int", "bigint", "decimal", "boolean", "datetime", "json", got "varchar"']],
  'bad-enum-object.yaml': [['9:21 E_ENUM', '"datetime", "json", got "varchar"']],
  'identifier-uppercase.yaml': [['9:7 E_IDENTIFIER', '"displayName" is not a SQL identifier: expected lower-case letters, digits and _']],
  'identifier-too-long.yaml': [['9:7 E_IDENTIFIER', 'is 65 characters long: a SQL identifier has at most 63']],
  'identifier-64.yaml': [['5:3 E_IDENTIFIER', 'is 64 characters long: a SQL identifier has at most 63'], ['11:15 E_IDENTIFIER', 'is 64 characters long']],
  'identifier-value.yaml': [['11:15 E_IDENTIFIER', '"Identifier_Value" is not a SQL identifier']],
  'op-no-kind.yaml': [['11:7 E_OPERATION_KIND', 'expected an operation with exactly one of: insert, update, increment, decrement, log, delete, append; got keys upsert, set']],
  'op-two-kinds.yaml': [['12:7 E_OPERATION_KIND', 'an operation has exactly one of insert, update, increment, decrement, log, delete, append; this one has insert and delete']],
  'value-two-forms.yaml': [['15:35 E_VALUE_FORM', 'a value form has exactly one of const, path, count, json, equals, coalesce, map, object, replace_in; this one has count and const']],
  'jsonpath-invalid.yaml': [['15:15 E_JSONPATH', 'invalid JSONPath "$.data[": unterminated [']],
  'envelope-path.yaml': [['5:9 E_JSONPATH', 'invalid JSONPath "$.meta[type"']],
  'not-a-path.yaml': [['15:15 E_VALUE_SYNTAX', '"$foo" is not a path: expected $.field, $item, $item.field, $index, $key, $key.field or $headers.<name> (write { const: "$foo" }']],
  'item-outside-loop.yaml': [['15:15 E_ITEM_OUTSIDE_LOOP', '"$item.name" is only defined inside for_each or map']],
  'unknown-table.yaml': [['11:15 E_UNKNOWN_TABLE', 'unknown table unknown_tables (did you mean "unknown_table"?); this projection declares: unknown_table']],
  'unknown-column-set.yaml': [['15:9 E_UNKNOWN_COLUMN', 'unknown column title in table unknown_column_set; columns: id, name']],
  'unknown-column-where.yaml': [['13:16 E_UNKNOWN_COLUMN', 'unknown column thing_id in table unknown_column_where; columns: id, name']],
  'unknown-column-key.yaml': [['6:11 E_UNKNOWN_COLUMN', 'unknown column thing_id in table unknown_column_key; columns: id']],
  'unknown-column-index.yaml': [['7:24 E_UNKNOWN_COLUMN', 'unknown column status in table unknown_column_index; columns: id, name']],
  'literal-int.yaml': [['15:14 E_LITERAL_TYPE', 'column qty (int): expected an integer, got "abc"']],
  'literal-boolean.yaml': [['13:22 E_LITERAL_TYPE', 'column active (boolean): expected true, false, 1 or 0, got "yes"']],
  'literal-null.yaml': [['13:22 E_LITERAL_TYPE', 'column status is NOT NULL: null is not allowed (add nullable: true)']],
  'default-null-not-null.yaml': [['9:38 E_LITERAL_TYPE', 'column name is NOT NULL: default null is not allowed']],
  'decimal-scale.yaml': [['9:52 E_RANGE', 'scale 6 of decimal column price is greater than its precision 4: expected scale <= precision']],
  'nullable-key.yaml': [['8:49 E_NULLABLE_KEY', 'key column id of table nullable_key is nullable: a key column must be NOT NULL']],
  'no-key.yaml': [['5:3 E_NO_KEY', 'table no_key has no key: add key: [columns]']],
  'where-not-key.yaml': [['14:7 E_WHERE_KEY', 'where must name exactly the key (id) of where_not_key, got name']],
  'increment-string.yaml': [['13:13 E_INCREMENT_TYPE', 'cannot increment hits: it is string, expected int, bigint or decimal']],
  'increment-key-column.yaml': [['14:13 E_KEY_ASSIGNMENT', 'slot is a key column of increment_key_column: increment cannot change it']],
  'version-string.yaml': [['7:14 E_VERSION_TYPE', 'version column rev is string: expected int or bigint']],
  'version-nullable.yaml': [['7:14 E_VERSION_TYPE', 'version column rev is nullable: expected a NOT NULL int or bigint']],
  'guard-without-version.yaml': [['14:14 E_GUARD_WITHOUT_VERSION', 'guard: true needs a version column on table guard_without_version']],
  'log-non-log-table.yaml': [['11:12 E_NOT_LOG_TABLE', 'table log_non_log_table is not a log table: add log: true to it, or use insert']],
  'update-log-table.yaml': [['13:15 E_LOG_TABLE_WRITE', 'table update_log_table is a log table (append-only): use log or insert']],
  'insert-missing-not-null.yaml': [['13:7 E_MISSING_VALUE', 'does not set NOT NULL column(s) name: set them, give them a default, or make them nullable']],
  'insert-log-table.yaml': [['13:7 E_MISSING_VALUE', 'does not set NOT NULL column(s) event_id, event_type']],
  'create-missing-not-null.yaml': [['15:23 E_STUB_NOT_NULL', 'create_missing makes a row with only its key and counters, but name of create_missing_not_null are NOT NULL without a default']],
  'replace-in-non-json.yaml': [['14:29 E_REPLACE_IN', 'it needs a json column, and tags is text']],
  'replace-in-insert.yaml': [['15:29 E_REPLACE_IN', 'it is allowed only as a column value in the set of an update']],
  'keep-in-insert.yaml': [['15:48 E_KEEP_OUTSIDE_UPDATE', 'if_missing: keep applies to update and increment set only']],
  'update-key-column.yaml': [['14:9 E_KEY_ASSIGNMENT', 'id is a key column of update_key_column: an update cannot change it']],
  'text-key.yaml': [['6:11 E_INDEX_COLUMN', 'column id is text and cannot be part of a key or index: use string with a length']],
  'index-of-json.yaml': [['7:16 E_INDEX_COLUMN', 'column tags is json and cannot be part of a key or index']],
  'reserved-table.yaml': [['5:3 E_RESERVED_NAME', 'table names starting with sc_ are reserved']],
  'duplicate-projection': [['b.yaml:1:13 E_DUPLICATE_PROJECTION', `projection duplicate-projection is already defined at ${DIR}/duplicate-projection/a.yaml:1:1`]],
  'table-conflict': [['b.yaml:5:3 E_TABLE_CONFLICT', `table table_conflict is also declared by projection table-conflict-a (${DIR}/table-conflict/a.yaml:5:3) with a different definition`]],
  'group-writer-conflict': [['b.yaml:14:3 E_GROUP_CONFLICT', `projections group-writer-conflict-a and group-writer-conflict-b of group group-writer-conflict both write group_writer_conflict on thing.created (${DIR}/group-writer-conflict/a.yaml:11:3)`]],
  'group-envelope-conflict': [['b.yaml:4:1 E_GROUP_CONFLICT', `projections of group group-envelope-conflict must read the envelope the same way (event ids are de-duplicated per group); group-envelope-conflict-a (${DIR}/group-envelope-conflict/a.yaml:1:1) reads it differently`]],
  'many-errors.yaml': [
    // First document: schema mistakes.
    ['6:12 E_ENUM', 'expected one of "skip", "dlq", got "drop"'],
    ['11:19 E_ENUM', 'got "varchar"'],
    ['12:7 E_IDENTIFIER', '"Name" is not a SQL identifier'],
    ['13:37 E_UNKNOWN_KEY', 'unknown key "nulable" in qty (did you mean "nullable"?); expected one of: type, length, precision, scale, nullable'],
    ['16:7 E_OPERATION_KIND', 'got keys upsert, set'],
    ['21:37 E_VALUE_FORM', 'this one has count and path'],
    // Second document: rule mistakes.
    ['37:7 E_MISSING_VALUE', 'does not set NOT NULL column(s) label'],
    ['39:14 E_LITERAL_TYPE', 'column qty (int): expected an integer, got "abc"'],
    ['40:17 E_LITERAL_TYPE', 'column active (boolean): expected true, false, 1 or 0, got "yes"'],
    ['44:9 E_KEY_ASSIGNMENT', 'id is a key column of many_errors_rules'],
    ['45:16 E_ITEM_OUTSIDE_LOOP', '"$item.label" is only defined inside for_each or map'],
    ['46:9 E_UNKNOWN_COLUMN', 'unknown column colour in table many_errors_rules'],
    ['49:13 E_INCREMENT_TYPE', 'cannot increment label: it is string'],
    ['50:12 E_NOT_LOG_TABLE', 'table many_errors_rules is not a log table'],
    ['53:14 E_GUARD_WITHOUT_VERSION', 'guard: true needs a version column on table many_errors_rules'],
  ],
};

function expected(name: string): Array<{ at: string; says: string }> {
  const prefix = name.endsWith('.yaml') ? `${DIR}/${name}:` : `${DIR}/${name}/`;
  return (CASES[name] ?? []).map(([at, says]) => ({ at: prefix + at, says }));
}

const at = (d: Diagnostic) => `${d.file}:${d.line}:${d.col} ${d.code}`;

describe('invalid specs', () => {
  it.each(Object.keys(CASES))('%s', (name) => {
    const v = validatePaths([`${DIR}/${name}`]);
    const want = expected(name);
    expect(v.diagnostics.map(at)).toEqual(want.map((w) => w.at));
    v.diagnostics.forEach((d, i) => {
      expect(d.severity).toBe('error');
      expect(d.message).toContain(want[i]?.says);
    });
    expect(v.plan).toBeUndefined();
  });

  it('has a case for every fixture', () => {
    expect(readdirSync(DIR).sort()).toEqual(Object.keys(CASES).sort());
  });

  it('reports the same diagnostics when the whole folder is validated at once', () => {
    const all = validatePaths([DIR]).diagnostics.map(at).sort();
    const each = Object.keys(CASES).flatMap((n) => expected(n).map((w) => w.at)).sort();
    expect(all).toEqual(each);
  });

  it('reports every mistake of a file, not only the first', () => {
    const codes = new Set(validatePaths([`${DIR}/many-errors.yaml`]).diagnostics.map((d) => d.code));
    expect(codes.size).toBeGreaterThanOrEqual(6);
  });

  it('points a code frame at the mistake', () => {
    const d = validatePaths([`${DIR}/unknown-key-table.yaml`]).diagnostics[0];
    expect(d?.source).toBe('    primary: [id]');
  });
});

describe('schema errors of each shape, reported once', () => {
  const base = (on: string) => `projection: p\ngroup: g\ntopics: [t]\ntables:\n  t:\n    key: [id]\n    columns:\n      id: string\n      j: { type: json, nullable: true }\non:\n  e:\n${on}`;
  const check = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);

  it('a value that is a list', () => {
    expect(check(base('    - insert: t\n      set: { id: [1, 2] }\n'))).toEqual(['13:18 E_TYPE expected a value: a path ($.x), a literal, or a value form object, got a list']);
  });
  it('a value form with no form', () => {
    expect(check(base('    - insert: t\n      set: { id: { pth: $.x } }\n'))).toEqual([
      '13:18 E_VALUE_FORM expected a value form with exactly one of: const, path, count, json, equals, coalesce, map, object, replace_in; got keys pth',
    ]);
  });
  it('a value form missing a key of its own', () => {
    expect(check(base('    - update: t\n      set: { j: { replace_in: [0] } }\n'))).toEqual(['13:17 E_REQUIRED missing required key "value" in j']);
  });
  it('an operation that is not a mapping', () => {
    expect(check(base('    - insert\n'))).toEqual(['12:7 E_TYPE expected object, got "insert"']);
  });
  it('on_conflict of the wrong shape', () => {
    expect(check(base('    - insert: t\n      set: { id: $.x }\n      on_conflict: 5\n'))).toEqual(['14:20 E_TYPE expected ignore, update, or { update: [columns] }, got 5']);
    expect(check(base('    - insert: t\n      set: { id: $.x }\n      on_conflict: replace\n'))).toEqual(['14:20 E_ENUM expected one of "ignore", "update", got "replace"']);
  });
  it('a column of the wrong shape', () => {
    expect(check(base('    - insert: t\n      set: { id: $.x }\n').replace('id: string', 'id: 5'))).toEqual([
      '8:11 E_TYPE expected a column type (string, text, int, bigint, decimal, boolean, datetime, json) or a column object, got 5',
    ]);
  });
  it('a union type is listed readably', () => {
    expect(check(base('    - insert: t\n      set: { id: $.x }\n').replace('id: string', 'id: { type: string, default: [1] }'))).toEqual([
      '8:36 E_TYPE expected string, number, boolean or null, got a list',
    ]);
  });
  it('a null key', () => {
    expect(check(base('    - insert: t\n      set: { id: $.x }\n').replace('id: string', 'id: string\n      null: string'))).toEqual([
      '9:7 E_IDENTIFIER "" is not a SQL identifier: expected lower-case letters, digits and _ ([a-z_][a-z0-9_]*)',
    ]);
  });
});

describe('regressions', () => {
  const spec = (op: string) =>
    `projection: p\ngroup: g\ntopics: [t]\ntables:\n  t:\n    key: [id]\n    version: v\n    columns:\n      id: string\n      v: bigint\non:\n  e:\n    - insert: t\n      set: { id: $.entity_id }\n${op}`;
  const check = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);

  it('a guarded insert sets the version column itself', () => {
    expect(check(spec(''))).toEqual([]);
  });
  it('an unguarded insert must set a NOT NULL version column without a default', () => {
    expect(check(spec('      guard: false\n'))).toEqual([
      '14:7 E_MISSING_VALUE insert into t does not set NOT NULL column(s) v: set them, give them a default, or make them nullable',
    ]);
  });
});

describe('sc-project validate', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('exits 1 and prints every located error', () => {
    const r = validateCommand({ config: [`${DIR}/many-errors.yaml`], format: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`${DIR}/many-errors.yaml:6:12 error E_ENUM`);
    expect(r.stdout).toContain('15 error(s), 0 warning(s)');
  });

  it('exits 0 on a valid folder', () => {
    const r = validateCommand({ config: [VALID], format: 'text' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ok: 1 file\(s\), 2 projection\(s\), 6 table\(s\) checked in \d+ ms\n$/);
  });

  it('prints JSON with --format json', () => {
    const r = validateCommand({ config: [`${DIR}/no-key.yaml`], format: 'json' });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      ok: false,
      files: [`${DIR}/no-key.yaml`],
      projections: 1,
      diagnostics: [{ code: 'E_NO_KEY', severity: 'error', message: expect.stringContaining('has no key') as unknown, file: `${DIR}/no-key.yaml`, line: 5, col: 3 }],
    });
    expect(JSON.parse(validateCommand({ config: [VALID], format: 'json' }).stdout)).toMatchObject({ ok: true, diagnostics: [] });
  });

  it('exits 2 on a bad --format', () => {
    const r = validateCommand({ config: [VALID], format: 'xml' });
    expect(r).toEqual({ code: 2, stdout: '', stderr: '--format must be text or json, got xml\n' });
  });

  it('exits 1 when a path does not exist', () => {
    const r = validateCommand({ config: [`${DIR}/no-such-file.yaml`], format: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('E_IO');
  });

  it('main: 0, 1 and 2', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await main(['validate', '--config', VALID])).toBe(0);
    expect(await main(['validate', '--config', `${DIR}/no-key.yaml`])).toBe(1);
    expect(await main(['validate', '--config', VALID, '--format', 'xml'])).toBe(2);
    expect(await main(['validate', '--no-such-flag'])).toBe(2);
    expect(out.mock.calls.map((c) => String(c[0])).join('')).toContain(`${DIR}/no-key.yaml:5:3 error E_NO_KEY`);
    expect(err.mock.calls.map((c) => String(c[0])).join('')).toContain('--format must be text or json, got xml');
  });
});
