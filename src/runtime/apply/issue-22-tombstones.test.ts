/**
 * Issue 22: a tombstone (a null value) goes to the `tombstone` operations of its topic's
 * projections with the key and headers readable; one nothing handles is skipped and counted
 * under (tombstone), never dead-lettered; validate refuses what would read the missing value.
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import type { DeleteRow, InsertRow } from '../../sql/rows.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import type { RawMessage } from './message.js';
import { EventPreparer } from './prepare.js';
import { groupRoutes } from './routes.js';

const spec = (tombstone: string) => `
projection: things
group: g
topics: [things]
formats: { key: json }
tables:
  things:
    key: [id]
    columns:
      id: { type: string, length: 40 }
      gone_by: { type: string, length: 40, nullable: true }
on:
  thing.created:
    - insert: things
      set: { id: $key.id }
${tombstone}
`;
const DELETE = `tombstone:
  - delete: things
    where: { id: $key.id }`;

function preparer(text: string): EventPreparer {
  const v = validateLoaded(parseSpecText('spec.yaml', text));
  expect(v.diagnostics).toEqual([]);
  return new EventPreparer({ routes: groupRoutes(v.plan as Plan, 'g'), letterGroup: 'g', effects: [], maxStatementBytes: undefined, log: silentLogger });
}

let offset = 0;
const msg = (key: string, value: Buffer | null, headers?: Array<[string, Buffer]>): RawMessage => ({ topic: 'things', partition: 0, offset: offset++, key: Buffer.from(key), value, ...(headers ? { headers } : {}) });

describe('issue 22: tombstones', () => {
  it('runs the tombstone operations with the key: a delete by $key.id', () => {
    const unit = preparer(spec(DELETE)).prepare([msg('{"id":"a"}', null)], undefined);
    expect(unit.letters).toEqual([]);
    expect(unit.events[0]?.rows).toMatchObject([{ kind: 'delete', table: 'things', where: ['id'], whereValues: ['a'] } satisfies Partial<DeleteRow>]);
  });

  it('runs any operation, its values from $key and $headers (a soft delete)', () => {
    const soft = `tombstone:\n  - insert: things\n    set: { id: $key.id, gone_by: $headers.actor }\n    on_conflict: update`;
    const unit = preparer(spec(soft)).prepare([msg('{"id":"a"}', null, [['actor', Buffer.from('ops')]])], undefined);
    expect(unit.letters).toEqual([]);
    const row = unit.events[0]?.rows[0] as InsertRow;
    expect(Object.fromEntries(row.columns.map((c, i) => [c, row.values[i]]))).toEqual({ id: 'a', gone_by: 'ops' });
  });

  it('skips and counts a tombstone nothing handles, under (tombstone): never a dead letter', () => {
    const unit = preparer(spec('')).prepare([msg('{"id":"a"}', null), msg('{"id":"b"}', null)], undefined);
    expect(unit.letters).toEqual([]);
    expect(unit.events).toEqual([]);
    expect(unit.skipped).toBe(2);
    expect([...(unit.skippedTypes ?? [])]).toEqual([['(tombstone)', 2]]);
  });

  it('still dead-letters a value of no bytes (not null: not a tombstone)', () => {
    const unit = preparer(spec(DELETE)).prepare([msg('{"id":"a"}', Buffer.alloc(0))], undefined);
    expect(unit.letters.map((l) => l.reason)).toEqual(['empty message value (no bytes)']);
  });
});

const codes = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.code} ${d.message}`);

describe('issue 22: validate refuses tombstone operations that read the value', () => {
  it('locates a value path, an update or delete without where, and a log', () => {
    const readsValue = `tombstone:\n  - delete: things\n    where: { id: $.entity_id }`;
    expect(codes(spec(readsValue))).toEqual([expect.stringMatching(/^E_TOMBSTONE_VALUE "\$.entity_id" reads the value; a tombstone has no value/)]);
    expect(codes(spec(`tombstone:\n  - delete: things`))).toEqual([expect.stringMatching(/^E_TOMBSTONE_VALUE this operation finds its row by the envelope's entity/)]);
  });
});
