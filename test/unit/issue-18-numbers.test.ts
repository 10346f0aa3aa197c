/**
 * Issue 18, items 2, 4 and 5 on the embedded database (SQLite), through the real processor:
 * numbers JSON.parse cannot hold exactly are stored as written or dead-lettered, never rounded
 * by parsing; a Kafka key that is not UTF-8 is never read as U+FFFD; a numeric event id keeps
 * its JSON text (`1e2` is not the id "100").
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RawMessage } from '../../src/runtime/apply/message.js';
import { planOf, sqliteRunner } from '../helpers/parity.js';

const SPEC = `
projection: nums
group: nums
topics: [nums]
tables:
  n_rows:
    key: [k]
    columns:
      k: { type: string, length: 32 }
      d: { type: decimal, precision: 10, scale: 2, nullable: true }
      i: { type: int, nullable: true }
      b: { type: bigint, nullable: true }
      s: { type: string, length: 64, nullable: true }
      j: { type: json, nullable: true }
on:
  put:
    - insert: n_rows
      set: { k: $.k, d: $.d, i: $.i, b: $.b, s: $.s, j: $.j }
`;

const plan = planOf(SPEC);
const runner = sqliteRunner(plan, 'nums');
const { msg, run } = runner;
afterEach(() => runner.cleanup());

const put = (offset: number, k: string, field: string, raw: string): RawMessage =>
  msg(offset, `{"event_type":"put","event_id":"p${offset}","k":"${k}","${field}":${raw}}`);

describe('issue 18 item 2: numbers are stored as written or dead-lettered, never rounded by parsing', () => {
  it('a json column keeps big numbers, nested too, digit for digit', async () => {
    const { rows, dead } = await run([put(0, 'a', 'j', '{"a":9007199254740993,"b":[1.000000000000000000001,-0,1e400],"c":{"d":123456789012345678901234567890}}')], 'n_rows', 'k');
    expect(dead).toEqual(new Map());
    expect(rows[0]?.j).toBe('{"a":9007199254740993,"b":[1.000000000000000000001,0,1e400],"c":{"d":123456789012345678901234567890}}');
  });

  it('a decimal is rounded from the digits as written (1.00499999999999999999 is 1.00, not 1.005 → 1.01)', async () => {
    const { rows, dead } = await run([put(0, 'a', 'd', '1.00499999999999999999'), put(1, 'b', 'd', '-2.00500000000000000001'), put(2, 'c', 'd', '12345678.125000000000000001')], 'n_rows', 'k');
    expect(dead).toEqual(new Map());
    expect(rows.map((r) => String(r.d))).toEqual(['1', '-2.01', '12345678.13']);
  });

  it('an int refuses 1e-400 (a fraction JSON.parse makes 0) and a huge exponent, with the reason', async () => {
    const { rows, dead } = await run([put(0, 'a', 'i', '1e-400'), put(1, 'b', 'i', '1e400'), put(2, 'c', 'i', '5')], 'n_rows', 'k');
    expect(rows.map((r) => r.k)).toEqual(['c']);
    expect(dead.get(0)).toMatch(/n_rows\.i \(int\): expected an integer, got 1e-400/u);
    expect(dead.get(1)).toMatch(/n_rows\.i \(int\): .*1e400/u);
  });

  it('a bigint takes an integer past 2^53 exactly, as its text', async () => {
    const { rows, dead } = await run([put(0, 'a', 'b', '9007199254740993'), put(1, 'b', 'b', '-9223372036854775808'), put(2, 'c', 'b', '9223372036854775808')], 'n_rows', 'k');
    expect(rows.map((r) => String(r.b))).toEqual(['9007199254740993', '-9223372036854775808']);
    expect(dead.get(2)).toMatch(/out of range/u);
  });

  it('a string column keeps a big number as written', async () => {
    const { rows } = await run([put(0, 'a', 's', '9007199254740993'), put(1, 'b', 's', '0.1000000000000000055511151231257827')], 'n_rows', 'k');
    expect(rows.map((r) => r.s)).toEqual(['9007199254740993', '0.1000000000000000055511151231257827']);
  });

  it('long digit runs inside strings take the ordinary path and change nothing', async () => {
    const { rows } = await run([msg(0, '{"event_type":"put","event_id":"p0","k":"12345678901234567890","s":"9007199254740993","j":{"x":"1e-400","n":12.5}}')], 'n_rows', 'k');
    expect(rows).toEqual([expect.objectContaining({ k: '12345678901234567890', s: '9007199254740993', j: '{"x":"1e-400","n":12.5}' })]);
  });
});

describe('issue 18 item 2: a number past 2^53 that a double holds is its shortest text, not its binary value', () => {
  it('1234567890123456800 in a bigint is 1234567890123456800, not the double …768', async () => {
    const { rows } = await run([put(0, 'a', 'b', '1234567890123456800'), put(1, 'b', 'b', '-9007199254740992')], 'n_rows', 'k');
    expect(rows.map((r) => String(r.b))).toEqual(['1234567890123456800', '-9007199254740992']);
  });
});
