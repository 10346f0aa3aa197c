/**
 * The validator reports everything at once and never throws (issue 12, point 7): YAML problems
 * are located diagnostics, schema and semantic checks run in one pass, names get a "did you mean".
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateCommand } from '../cli/validate.js';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded } from './index.js';

const check = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`);
const codes = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`);

const SPEC = `projection: p
group: g
topics: [t]
tables:
  t:
    key: [id]
    columns:
      id: string
      qty: { type: int, default: 0 }
      label: { type: string, nullable: true }
on:
  e:
    - insert: t
      set: { id: $.entity_id, qty: $.data.qty }
`;

describe('YAML problems are located diagnostics, never exceptions', () => {
  it('an alias without its anchor (the issue reproduction)', () => {
    expect(check('projection: x\ngroup: g\ntopics: [t]\ntables: *a\non: {}\n')).toEqual(['4:9 E_YAML_ALIAS alias *a has no anchor &a before it: define the anchor first']);
  });

  it('an alias bomb', () => {
    const bomb = 'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n';
    const [d] = check(bomb);
    expect(d).toMatch(/^\d+:\d+ E_YAML_ALIAS aliases expand to more than 100 nodes/);
  });

  it('tabs as indentation', () => {
    expect(codes('projection: p\ntables:\n\tt: {}\n')[0]).toMatch(/^3:1 E_YAML_SYNTAX/);
  });

  it('a duplicate key does not hide the E_TYPE of another key', () => {
    expect(codes(SPEC.replace('topics: [t]', 'topics: t').replace('      label:', '      qty: int\n      label:'))).toEqual(['3:9 E_TYPE', '10:7 E_DUPLICATE_KEY']);
  });

  it('a duplicate key keeps the last value, as the checks see it', () => {
    expect(codes(SPEC.replace('      label:', '      qty: json\n      label:'))).toEqual(['10:7 E_DUPLICATE_KEY']);
  });

  it('a comment-only file is a warning, not a silent pass', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-empty-'));
    writeFileSync(join(dir, 'empty.yaml'), '# nothing here yet\n');
    const r = validateCommand({ config: [dir], format: 'text' });
    expect(r.stdout).toContain('warning W_NO_PROJECTION this file holds no projection');
  });
});

describe('schema and semantic checks in one pass', () => {
  it('reports the schema mistakes and the rule mistakes of one file together', () => {
    const text = SPEC.replace('group: g', 'group: g\nunhandled: drop').replace('qty: $.data.qty', 'qty: abc, colour: $.data.c')
      .replace('      label:', '      bad: { type: varchar }\n      label:') + '    - insert: t\n      set: { id: $.x }\n      on_conflit: update\n    - update: tt\n      set: { label: $.x }\n';
    expect(check(text)).toEqual([
      '3:12 E_ENUM expected one of "skip", "dlq", got "drop"',
      '11:20 E_ENUM expected one of "string", "text", "int", "bigint", "decimal", "boolean", "datetime", "json", got "varchar"',
      '16:36 E_LITERAL_TYPE column qty (int): expected an integer, got "abc"',
      '16:41 E_UNKNOWN_COLUMN unknown column colour in table t; columns: id, qty, label',
      '19:7 E_UNKNOWN_KEY unknown key "on_conflit" in e (did you mean "on_conflict"?); expected one of: insert, for_each, set, on_conflict, guard, version, on_missing',
      '20:15 E_UNKNOWN_TABLE unknown table tt (did you mean "t"?); this projection declares: t',
    ]);
  });

  it('a column the schema rejects is not reported again where it is used', () => {
    expect(codes(SPEC.replace('qty: { type: int, default: 0 }', 'qty: { type: integer }'))).toEqual(['9:20 E_ENUM']);
  });

  it('a malformed value still counts as assigned (no E_MISSING_VALUE besides its own error)', () => {
    expect(codes(SPEC.replace('qty: { type: int, default: 0 }', 'qty: int').replace('qty: $.data.qty', 'qty: [1]'))).toEqual(['14:36 E_TYPE']);
  });

  it('a broken operation does not hide the mistakes of the next one', () => {
    const text = SPEC + '    - upsert: t\n    - insert: t\n      set: { id: $.x, qty: "many" }\n';
    expect(codes(text)).toEqual(['15:7 E_OPERATION_KIND', '17:28 E_LITERAL_TYPE']);
  });

  it('a broken required top-level key still lets tables and operations be checked', () => {
    expect(codes(SPEC.replace('group: g', 'group: [g]').replace('qty: $.data.qty', 'qty: abc'))).toEqual(['2:8 E_TYPE', '14:36 E_LITERAL_TYPE']);
  });

  it('a missing required top-level key', () => {
    expect(codes(SPEC.replace('topics: [t]\n', '').replace('qty: $.data.qty', 'qty: abc'))).toEqual(['1:1 E_REQUIRED', '13:36 E_LITERAL_TYPE']);
  });

  it('reports all of 5,000 mistakes', () => {
    const sets = Array.from({ length: 5000 }, (_, i) => `        x${i}: 1`).join('\n');
    const d = validateLoaded(parseSpecText('wide.yaml', SPEC.replace('set: { id: $.entity_id, qty: $.data.qty }', `set:\n        id: $.x\n${sets}`))).diagnostics;
    expect(d).toHaveLength(5000);
    expect(new Set(d.map((x) => x.line)).size).toBe(5000);
  });
});

describe('messages name what is wrong', () => {
  it('did you mean a column', () => {
    expect(check(SPEC.replace('qty: $.data.qty', 'qyt: $.data.qty'))).toEqual(['14:31 E_UNKNOWN_COLUMN unknown column qyt in table t (did you mean "qty"?); columns: id, qty, label']);
  });

  it('did you mean a column type', () => {
    expect(check(SPEC.replace('type: int,', 'type: itn,'))[0]).toContain('got "itn" (did you mean "int"?)');
  });

  it('a range error names its key', () => {
    expect(check(SPEC.replace('qty: { type: int, default: 0 }', 'qty: { type: decimal, scale: 40 }'))).toEqual(['9:36 E_RANGE scale 40: must be <= 30']);
  });

  it('the summary counts the tables checked when there are errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-summary-'));
    writeFileSync(join(dir, 'p.yaml'), SPEC.replace('qty: $.data.qty', 'qty: abc'));
    const r = validateCommand({ config: [dir], format: 'text' });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/1 file\(s\), 1 projection\(s\), 1 table\(s\) checked/);
  });
});
