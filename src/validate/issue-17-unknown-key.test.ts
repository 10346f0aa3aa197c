/**
 * Issue 17, item 5: an unknown key prunes only itself. Before, the schema's additionalProperties
 * error cut the whole object holding the key (an operation, a table, a column, an output), so
 * the object's other mistakes went unreported until the key was fixed.
 */
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../spec/load.js';
import { validateLoaded } from './index.js';

const located = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code}`);

const ISSUE = `projection: p
group: g
topics: [t]
tables:
  things:
    key: [id]
    columns:
      id: string
      owner: { type: string, nullable: true }
      label: varchar
on:
  thing.created:
    - insert: things
      set: { id: $.entity_id, owner: data.owner.id }
      on_conflit: ignore
`;

describe('an unknown key prunes only itself (issue 17, item 5)', () => {
  it("the issue's case: the misspelt key, the column type and the literal that looks like a path", () => {
    expect(located(ISSUE)).toEqual([
      'inline.yaml:10:14 E_ENUM',
      'inline.yaml:14:38 E_LOOKS_LIKE_PATH',
      'inline.yaml:15:7 E_UNKNOWN_KEY',
    ]);
  });

  it('an unknown key in a table: its key and index are still checked', () => {
    const text = ISSUE.replace('on_conflit: ignore', 'on_conflict: ignore')
      .replace('    key: [id]\n', '    key: [id]\n    indexs: [[label]]\n    indexes: [[colour]]\n');
    expect(located(text)).toEqual([
      'inline.yaml:7:5 E_UNKNOWN_KEY',
      'inline.yaml:8:16 E_UNKNOWN_COLUMN',
      'inline.yaml:12:14 E_ENUM',
      'inline.yaml:16:38 E_LOOKS_LIKE_PATH',
    ]);
  });

  it('an unknown key in a column: its default is still checked against its type', () => {
    const text = ISSUE.replace('on_conflit: ignore', 'on_conflict: ignore').replace('label: varchar', 'label: { type: int, nulable: true, default: abc }');
    expect(located(text)).toEqual([
      'inline.yaml:10:27 E_UNKNOWN_KEY',
      'inline.yaml:10:51 E_LITERAL_TYPE',
      'inline.yaml:14:38 E_LOOKS_LIKE_PATH',
    ]);
  });

  it('an unknown key at the top level: the operations are still checked', () => {
    const text = ISSUE.replace('on_conflit: ignore', 'on_conflict: ignore').replace('group: g\n', 'group: g\nunhandeld: dlq\n');
    expect(located(text)).toEqual([
      'inline.yaml:3:1 E_UNKNOWN_KEY',
      'inline.yaml:11:14 E_ENUM',
      'inline.yaml:15:38 E_LOOKS_LIKE_PATH',
    ]);
  });

  it('an unknown key in an output: its URL is still checked, and an append to it finds it', () => {
    const text = `projection: p
group: g
topics: [t]
outputs:
  api:
    http: { url: "ftp://x", timeot: 5 }
    lists: [items]
    max_bufferd: 10
    body: { object: { items: lists.items } }
on:
  thing.created:
    - append: api
      list: itemz
`;
    expect(located(text)).toEqual([
      'inline.yaml:6:18 E_URL',
      'inline.yaml:6:29 E_UNKNOWN_KEY',
      'inline.yaml:8:5 E_UNKNOWN_KEY',
      'inline.yaml:13:13 E_UNKNOWN_LIST',
    ]);
  });

  it('an operation with two kinds is still left out whole (which keys are unknown depends on the kind meant)', () => {
    const text = ISSUE.replace('on_conflit: ignore', 'update: things');
    expect(located(text)).toEqual(['inline.yaml:10:14 E_ENUM', 'inline.yaml:15:7 E_OPERATION_KIND']);
  });
});
