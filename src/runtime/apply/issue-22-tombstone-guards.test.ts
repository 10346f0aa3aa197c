/**
 * Issue 22: tombstones on version-guarded tables. A tombstone has no value to read a version from:
 * its delete applies unguarded (the key's row goes whatever its version: what a compacted topic
 * means), an insert or update is a located error (E_TOMBSTONE_VERSION) unless it opts out of the
 * guard or reads a version from the record, and a version read from the record still guards.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import type { RawMessage } from './message.js';
import { EventPreparer } from './prepare.js';
import { groupRoutes } from './routes.js';

const spec = (tombstone: string, version = '') => `
projection: things
group: g
topics: [things]
formats: { key: json }
envelope: { entity: $key.id${version === '' ? '' : `, version: ${version}`} }
tables:
  things:
    key: [id]
    version: row_version
    columns:
      id: { type: string, length: 40 }
      gone: { type: boolean, default: false }
on:
  thing.created:
    - insert: things
      set: { id: $key.id }
tombstone:
${tombstone}
`;

const validated = (text: string) => validateLoaded(parseSpecText('spec.yaml', text));
const codes = (text: string) => validated(text).diagnostics.map((d) => `${d.code} ${d.line}:${d.col} ${d.message}`);

function prepare(text: string, m: RawMessage) {
  const v = validated(text);
  expect(v.diagnostics).toEqual([]);
  return new EventPreparer({ routes: groupRoutes(v.plan as Plan, 'g'), letterGroup: 'g', effects: [], maxStatementBytes: undefined, log: silentLogger }).prepare([m], undefined);
}
let offset = 0;
const tombstone = (headers: Array<[string, string]> = []): RawMessage => ({
  topic: 'things', partition: 0, offset: offset++, key: Buffer.from('{"id":"a"}'), value: null, headers: headers.map(([k, v]) => [k, Buffer.from(v)] as const),
});

describe('issue 22: tombstones on version-guarded tables', () => {
  it('deletes the key\'s row unguarded when there is no version to compare (it was a dead letter)', () => {
    const unit = prepare(spec('  - delete: things\n    where: { id: $key.id }'), tombstone());
    expect(unit.letters).toEqual([]);
    expect(unit.events[0]?.rows).toEqual([expect.objectContaining({ kind: 'delete', where: ['id'], whereValues: ['a'] })]);
    expect(unit.events[0]?.rows[0]).not.toHaveProperty('guard');
  });

  it('guards a delete by a version read from the record', () => {
    const unit = prepare(spec('  - delete: things\n    where: { id: $key.id }', '$headers.v'), tombstone([['v', '9']]));
    expect(unit.letters).toEqual([]);
    expect(unit.events[0]?.rows[0]).toMatchObject({ kind: 'delete', guard: 'row_version', version: 9 });
  });

  it('refuses a guarded insert or update with no version, located, and accepts one that opts out or reads the record', () => {
    expect(codes(spec('  - update: things\n    where: { id: $key.id }\n    set: { gone: true }'))).toEqual([
      expect.stringMatching(/^E_TOMBSTONE_VERSION 19:5 update of things is version-guarded, but a tombstone has no value to read the version from \(\$\.entity_version\): add guard: false/),
    ]);
    expect(codes(spec('  - insert: things\n    set: { id: $key.id, gone: true }\n    on_conflict: update')).map((c) => c.split(' ')[0])).toEqual(['E_TOMBSTONE_VERSION']);
    expect(codes(spec('  - update: things\n    where: { id: $key.id }\n    set: { gone: true }\n    guard: false'))).toEqual([]);
    expect(codes(spec('  - update: things\n    where: { id: $key.id }\n    set: { gone: true }', '$key.v'))).toEqual([]);
    // An own version that reads the value is one mistake, reported once.
    expect(codes(spec('  - update: things\n    where: { id: $key.id }\n    set: { gone: true }\n    version: $.v')).map((c) => c.split(' ')[0])).toEqual(['E_TOMBSTONE_VALUE']);
  });
});
