/**
 * Issue 22: the envelope's version, time and data may be read from the record (`$key`,
 * `$key.<path>`, `$headers.<name>`: CloudEvents' binary mode carries ce_time in a header), as type,
 * id and entity already could; validate checks them like values; and a numeric id read from a
 * JSON key is its text as written (12345678901234567890 is not rounded, 1e2 is not 100).
 */
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../compile/plan.js';
import type { InsertRow, UpdateRow } from '../../sql/rows.js';
import { parseSpecText } from '../../spec/load.js';
import { validateLoaded } from '../../validate/index.js';
import { silentLogger } from '../ops/log.js';
import type { RawMessage } from './message.js';
import { EventPreparer } from './prepare.js';
import { groupRoutes } from './routes.js';

const SPEC = `
projection: things
group: g
topics: [things]
formats: { key: json }
envelope: { type: $headers.ce_type, id: $key.id, entity: $key.thing, version: $headers.ce_version, time: $headers.ce_time, data: $key.data }
tables:
  things:
    key: [id]
    version: row_version
    columns:
      id: { type: string, length: 40 }
      name: { type: string, length: 40, nullable: true }
  history:
    log: true
    columns: {}
on:
  thing.renamed:
    - update: things
      set: { name: $.name }
    - log: history
`;

const codes = (text: string) => validateLoaded(parseSpecText('inline.yaml', text)).diagnostics.map((d) => `${d.code} ${d.message}`);

function preparer(text: string): EventPreparer {
  const v = validateLoaded(parseSpecText('spec.yaml', text));
  expect(v.diagnostics).toEqual([]);
  return new EventPreparer({ routes: groupRoutes(v.plan as Plan, 'g'), letterGroup: 'g', effects: [], maxStatementBytes: undefined, log: silentLogger });
}

let offset = 0;
const msg = (key: string, headers: Array<[string, string]>): RawMessage => ({
  topic: 'things', partition: 0, offset: offset++, key: Buffer.from(key), value: Buffer.from('{"name":"N"}'),
  headers: headers.map(([k, v]) => [k, Buffer.from(v)] as const),
});
const CE: Array<[string, string]> = [['ce_type', 'thing.renamed'], ['ce_version', '7'], ['ce_time', '2026-12-07T10:00:00.123Z']];

describe('issue 22: the envelope\'s version, time and data from the record', () => {
  it('guards by a header version, logs a header time and the data of a key field', () => {
    const unit = preparer(SPEC).prepare([msg('{"id":"e1","thing":"a","data":{"x":1}}', CE)], undefined);
    expect(unit.letters).toEqual([]);
    const [update, log] = unit.events[0]?.rows ?? [];
    expect(update).toMatchObject({ kind: 'update', where: ['id'], whereValues: ['a'], version: 7 });
    const l = log as InsertRow;
    const cols = Object.fromEntries(l.columns.map((c, i) => [c, l.values[i]]));
    expect(cols).toMatchObject({ event_id: 'e1', event_type: 'thing.renamed', event_data: '{"x":1}' });
    expect(String(cols.event_timestamp)).toMatch(/^2026-12-07[T ]10:00:00\.123/);
  });

  it('dead-letters a guarded event whose header version is not an integer, with the reason', () => {
    const unit = preparer(SPEC).prepare([msg('{"id":"e2","thing":"a"}', [['ce_type', 'thing.renamed'], ['ce_version', 'v7']])], undefined);
    expect(unit.letters.map((l) => l.reason)).toEqual([expect.stringContaining('row_version (bigint): expected an integer, got "v7"')]);
    const none = preparer(SPEC).prepare([msg('{"id":"e3","thing":"a"}', [['ce_type', 'thing.renamed']])], undefined);
    expect(none.letters.map((l) => l.reason)).toEqual([expect.stringContaining('no integer version at $headers.ce_version')]);
  });

  it('is checked by validate like values: a key field under the string format is a located error', () => {
    expect(codes(SPEC)).toEqual([]);
    const string = SPEC.replace('formats: { key: json }\n', '');
    expect(codes(string).filter((c) => c.startsWith('E_KEY_FORMAT'))).toHaveLength(3);
    expect(codes(SPEC.replace('time: $headers.ce_time', 'time: $headers')).map((c) => c.split(' ')[0])).toEqual(['E_VALUE_SYNTAX']);
  });
});

describe('issue 22: a numeric id from a JSON key is its text as written', () => {
  const ids = (keys: string[]): unknown[] => {
    const unit = preparer(SPEC).prepare(keys.map((k) => msg(k, CE)), undefined);
    expect(unit.letters).toEqual([]);
    return unit.events.map((e) => e.event.id);
  };

  it('keeps a number past 2^53, and tells 1e2 from 100 and 1.50 from 1.5', () => {
    expect(ids(['{"id":12345678901234567890,"thing":"a"}'])).toEqual(['12345678901234567890']);
    expect(ids(['{"id":100,"thing":"a"}', '{"id":1e2,"thing":"a"}', '{"thing":"a","id":1.50}', '{"id":1.5,"thing":"a"}'])).toEqual(['100', '1e2', '1.50', '1.5']);
  });

  it('reads the whole key as the id where the key is a number', () => {
    const p = preparer(SPEC.replace('id: $key.id', 'id: $key').replace('entity: $key.thing', 'entity: $headers.thing').replace(', data: $key.data', ''));
    const unit = p.prepare([msg('9007199254740993', [...CE, ['thing', 'a']]), msg(' 1.0 ', [...CE, ['thing', 'a']])], undefined);
    expect(unit.letters).toEqual([]);
    expect(unit.events.map((e) => e.event.id)).toEqual(['9007199254740993', '1.0']);
  });
});
