/**
 * Issue 17, item 1: a guarded operation whose row is not identified by the event's own entity
 * would compare (and store) another entity's version. validate refuses it, located, with the two
 * ways out: guard: false, or an operation-level version naming the version of that row.
 */
import { describe, expect, it } from 'vitest';
import { parseSpecText } from '../spec/load.js';
import { RATED_LINE, guardSpec } from '../../test/helpers/guard-scenario.js';
import { validateLoaded } from './index.js';

const check = (text: string) => validateLoaded(parseSpecText('rides.yaml', text)).diagnostics.map((d) => `${d.file}:${d.line}:${d.col} ${d.code} ${d.message}`);
const codes = (text: string) => validateLoaded(parseSpecText('rides.yaml', text)).diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`);

const BASE = `projection: p
group: g
topics: [t]
tables:
  items:
    key: [id]
    version: entity_version
    columns:
      id: { type: string, length: 16 }
      name: { type: string, length: 16, nullable: true }
  plain:
    key: [id]
    columns:
      id: { type: string, length: 16 }
on:
  e:
    - OP
`;
const withOp = (op: string) => BASE.replace('- OP', `- ${op}`);

describe('a version guard compares the versions of one entity (issue 17, item 1)', () => {
  it("refuses the issue's rider.rated update of a ride, naming the table and the two ways out", () => {
    expect(check(guardSpec('original'))).toEqual([
      `rides.yaml:${RATED_LINE}:42 E_GUARD_OTHER_ENTITY update of rides is version-guarded, but its row is not the event's own entity (where ride_id: $.data.ride_id, not $.entity_id): the guard would compare and store the event's $.entity_version, another entity's version, on this row. Add guard: false to apply it unguarded (the row keeps its version), or version: <path> naming the version of the row it changes (e.g. version: $.data.ride_version)`,
    ]);
  });

  it('accepts it with version: <the ride version> or guard: false', () => {
    expect(check(guardSpec('version'))).toEqual([]);
    expect(check(guardSpec('unguarded'))).toEqual([]);
  });

  it('accepts rows identified by the entity: the default where, a where on it, a composite key with literals', () => {
    expect(codes(withOp('{ update: items, set: { name: x } }'))).toEqual([]);
    expect(codes(withOp('{ update: items, where: { id: $.entity_id }, set: { name: x } }'))).toEqual([]);
    expect(codes(withOp('{ delete: items, where: { id: { path: $.entity_id } } }'))).toEqual([]);
    expect(codes(withOp('{ insert: items, set: { id: $.entity_id } }'))).toEqual([]);
    const composite = BASE.replace('    key: [id]\n    version', '    key: [id, kind]\n    version').replace('      name:', '      kind: { type: string, length: 8 }\n      name:');
    expect(codes(composite.replace('- OP', '- { update: items, where: { id: $.entity_id, kind: post }, set: { name: x } }'))).toEqual([]);
  });

  it('refuses an insert, an update and a delete of another row on a guarded table', () => {
    expect(codes(withOp('{ insert: items, set: { id: $.data.item_id } }'))).toEqual(['17:35 E_GUARD_OTHER_ENTITY']);
    expect(codes(withOp('{ update: items, where: { id: $.data.item_id }, set: { name: x } }'))).toEqual(['17:31 E_GUARD_OTHER_ENTITY']);
    expect(codes(withOp('{ delete: items, where: { id: { coalesce: [$.entity_id, $.data.id] } } }'))).toEqual(['17:31 E_GUARD_OTHER_ENTITY']);
    expect(codes(withOp('{ insert: items, for_each: $.data.items, set: { id: $item.id } }'))).toEqual(['17:59 E_GUARD_OTHER_ENTITY']);
  });

  it('reads the entity id where the envelope says it is', () => {
    const custom = BASE.replace('topics: [t]\n', 'topics: [t]\nenvelope: { entity: $.aggregate.id }\n');
    expect(codes(custom.replace('- OP', '- { update: items, where: { id: $.aggregate.id }, set: { name: x } }'))).toEqual([]);
    expect(codes(custom.replace('- OP', '- { update: items, where: { id: $.entity_id }, set: { name: x } }'))).toEqual(['18:31 E_GUARD_OTHER_ENTITY']);
  });

  it('needs the same entity column in every guarded operation of the table', () => {
    const pair = BASE.replace('    key: [id]\n    version', '    key: [id, other]\n    version').replace('      name:', '      other: { type: string, length: 16 }\n      name:')
      .replace('- OP', '- { insert: items, set: { id: $.entity_id, other: $.data.other } }\n  f:\n    - { delete: items, where: { id: $.data.id, other: $.entity_id } }');
    expect(check(pair)).toEqual([
      "rides.yaml:20:31 E_GUARD_OTHER_ENTITY delete of items is version-guarded, but its row is not the event's own entity (where other: $.entity_id, where other guarded operations of items have it in id): the guard would compare and store the event's $.entity_version, another entity's version, on this row. Add guard: false to apply it unguarded (the row keeps its version), or version: <path> naming the version of the row it changes (e.g. version: $.data.items_version)",
    ]);
  });

  it('an operation-level version is a path, on a guarded table, not beside guard: false', () => {
    expect(codes(withOp('{ update: items, where: { id: $.data.id }, set: { name: x }, version: $.data.v }'))).toEqual([]);
    expect(codes(withOp('{ insert: items, for_each: $.data.items, set: { id: $item.id }, version: $item.v }'))).toEqual([]);
    expect(codes(withOp('{ update: items, where: { id: $.data.id }, set: { name: x }, version: data.v }'))).toEqual(['17:77 E_VALUE_SYNTAX']);
    expect(codes(withOp('{ update: items, where: { id: $.data.id }, set: { name: x }, version: $item.v }'))).toEqual(['17:77 E_ITEM_OUTSIDE_LOOP']);
    expect(check(withOp('{ update: plain, where: { id: $.data.id }, set: { id: x }, version: $.data.v }')).map((d) => d.replace(/^\S+ /, ''))).toContain(
      'E_VERSION_WITHOUT_GUARD version: $.data.v names the version to compare, but table plain has no version column: add version: entity_version to the table, or remove it');
    expect(codes(withOp('{ update: items, where: { id: $.data.id }, set: { name: x }, guard: false, version: $.data.v }'))).toEqual(['17:91 E_VERSION_WITHOUT_GUARD']);
    expect(codes(withOp('{ increment: items, where: { id: $.data.id }, by: { name: 1 }, version: $.data.v }'))).toContainEqual(expect.stringMatching(/^17:\d+ E_UNKNOWN_KEY$/));
  });
});
