/**
 * Issue 18, item 5: a numeric event id keeps its JSON text. `1e2` was recorded as "100", so a
 * later, different event with the id "100" was dropped as a duplicate.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RawMessage } from '../../src/runtime/apply/message.js';
import { applyMessages, planOf, readRows, sqliteFile } from '../helpers/parity.js';

const plan = planOf(`
projection: ids
group: ids
topics: [ids]
tables:
  n_log:
    key: [o]
    columns:
      o: { type: int }
on:
  logged:
    - insert: n_log
      set: { o: $source.offset }
`);
let files: Array<{ remove: () => void }> = [];
afterEach(() => {
  for (const f of files) f.remove();
  files = [];
});

describe('issue 18 item 5: a numeric event id keeps its JSON text', () => {
  const logged = (offset: number, id: string): RawMessage => ({ topic: 'ids', partition: 0, offset, key: null, value: Buffer.from(`{"event_type":"logged","event_id":${id}}`, 'utf8') });

  it('1e2 and "100" are two events; 1.50 and "1.5" too; 100 and "100" stay one', async () => {
    const f = sqliteFile();
    files.push(f);
    await applyMessages(f.url, plan, [logged(0, '1e2'), logged(1, '"100"'), logged(2, '1.50'), logged(3, '"1.5"'), logged(4, '100'), logged(5, '-0'), logged(6, '"0"'), logged(7, '9007199254740993')], 50);
    expect((await readRows(f.url, 'n_log', ['o'])).map((r) => Number(r.o))).toEqual([0, 1, 2, 3, 5, 6, 7]);
    const ids = (await readRows(f.url, 'sc_processed_events', ['event_id'])).map((r) => String(r.event_id));
    expect(ids.sort()).toEqual(['-0', '0', '1.5', '1.50', '100', '1e2', '9007199254740993']);
  });
});
