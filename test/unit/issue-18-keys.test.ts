/**
 * Issue 18, item 4: Kafka keys 0xFF and 0xFE both became U+FFFD in `$source.key`, so two
 * entities shared one row. A key that is not valid UTF-8 is a dead letter where a value reads it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RawMessage } from '../../src/runtime/apply/message.js';
import { planOf, sqliteRunner } from '../helpers/parity.js';

const plan = planOf(`
projection: keys
group: keys
topics: [keys]
tables:
  n_rows:
    key: [k]
    columns:
      k: { type: string, length: 32 }
  n_keys:
    key: [k]
    columns:
      k: { type: string, length: 32 }
      hits: { type: int, default: 0 }
on:
  put:
    - insert: n_rows
      set: { k: $.k }
  keyed:
    - increment: n_keys
      where: { k: $source.key }
      by: { hits: 1 }
      create_missing: true
`);
const runner = sqliteRunner(plan, 'keys');
const { msg, run } = runner;
afterEach(() => runner.cleanup());

describe('issue 18 item 4: a key that is not UTF-8 is never read as U+FFFD', () => {
  const keyed = (offset: number, key: Buffer | null): RawMessage => msg(offset, `{"event_type":"keyed","event_id":"k${offset}"}`, key);

  it('keys 0xFF and 0xFE are dead letters with the reason, not one row under U+FFFD', async () => {
    const { rows, dead } = await run([keyed(0, Buffer.from([0xff])), keyed(1, Buffer.from([0xfe])), keyed(2, Buffer.from('ok', 'utf8'))], 'n_keys', 'k');
    expect(rows.map((r) => [r.k, String(r.hits)])).toEqual([['ok', '1']]);
    expect(dead.get(0)).toMatch(/\$source\.key.*not valid UTF-8.*offset 0/u);
    expect(dead.get(1)).toMatch(/\$source\.key.*not valid UTF-8/u);
  });

  it('a binary key nobody reads is fine', async () => {
    const { rows, dead } = await run([msg(0, '{"event_type":"put","event_id":"p0","k":"a"}'), msg(1, '{"event_type":"put","event_id":"p1","k":"b"}', Buffer.from([0xff, 0x00]))], 'n_rows', 'k');
    expect(dead).toEqual(new Map());
    expect(rows.map((r) => r.k)).toEqual(['a', 'b']);
  });
});
