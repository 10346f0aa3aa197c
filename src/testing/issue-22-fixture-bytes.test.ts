/**
 * Issue 22: `sc-project test` fixtures replay records as Kafka carries them: a JSON key in
 * key_b64, a value in value_b64, headers, and a tombstone (value: null) that deletes by key.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testCommand } from '../cli/test.js';

const SPEC = `projection: things
group: things-group
topics: [things]
formats: { key: json }
tables:
  things:
    key: [id]
    columns:
      id: { type: string, length: 16 }
      name: { type: string, length: 32 }
      trace: { type: string, length: 32, nullable: true }
on:
  thing.created:
    - insert: things
      set: { id: $key.id, name: $.name, trace: $headers.trace }
tombstone:
  - delete: things
    where: { id: $key.id }
`;
const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64');

describe('issue 22: fixtures carry bytes, headers and tombstones', () => {
  it('replays key_b64, value_b64, headers and a tombstone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sc-fixtures-'));
    writeFileSync(join(dir, 'things.yaml'), SPEC);
    const given = [
      { topic: 'things', key_b64: b64({ id: 'a' }), value_b64: b64({ event_type: 'thing.created', event_id: 'e1', name: 'Ada' }), headers: { trace: 't1' } },
      { topic: 'things', key: '{"id":"b"}', value: { event_type: 'thing.created', event_id: 'e2', name: 'Bob' }, headers: { trace: { b64: Buffer.from('t2').toString('base64') } } },
      { topic: 'things', key: '{"id":"a"}', value: null },
    ];
    writeFileSync(join(dir, 'things.test.yaml'), `tests:\n  - name: bytes\n    given: ${JSON.stringify(given)}\n    expect:\n      things:\n        - { id: b, name: Bob, trace: t2 }\n`);
    const r = await testCommand({ config: [join(dir, 'things.yaml')], fixtures: [join(dir, 'things.test.yaml')] });
    expect(r.stdout).toContain('1 passed');
    expect(r.code).toBe(0);
  });
});
