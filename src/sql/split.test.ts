/** Statements are split by bytes as well as rows, to stay under max_allowed_packet (issue 12, point 1). */
import { describe, expect, it } from 'vitest';
import { chunksBy, rowBytes, splitByBytes } from './fold.js';
import type { InsertRow } from './rows.js';

const row = (id: string, body: string): InsertRow => ({ kind: 'insert', table: 't', shape: 's', columns: ['id', 'body'], values: [id, body], key: ['id'], update: [] });

describe('splitByBytes', () => {
  it('keeps a group whole when it fits, and splits it so that no part is over the limit', () => {
    const small = { shape: 's', rows: [row('a', 'x'), row('b', 'y')] };
    expect(splitByBytes(small, 1 << 20)).toEqual([small]);
    const nine = 'z'.repeat(9 * 1024 * 1024);
    const big = { shape: 's', rows: [row('a', nine), row('b', nine), row('c', 'small')] };
    const parts = splitByBytes(big, 16 * 1024 * 1024 - 65536);
    expect(parts.map((p) => p.rows.map((r) => (r as InsertRow).values[0]))).toEqual([['a'], ['b', 'c']]);
    for (const p of parts) expect(p.rows.reduce((n, r) => n + rowBytes(r), 0)).toBeLessThanOrEqual(16 * 1024 * 1024 - 65536);
  });

  it('counts the escaping of quotes and backslashes and UTF-8 bytes of long strings', () => {
    const quotes = "'".repeat(10_000);
    const accents = 'é'.repeat(10_000);
    expect(rowBytes(row('a', quotes))).toBeGreaterThanOrEqual(20_000);
    expect(rowBytes(row('a', accents))).toBeGreaterThanOrEqual(20_000);
    expect(rowBytes(row('a', 'x'.repeat(10_000)))).toBeLessThan(11_000);
  });

  it('chunksBy puts an item larger than the limit alone', () => {
    expect(chunksBy([1, 5, 1, 1, 9, 1], (n) => n, 6)).toEqual([[1, 5], [1, 1], [9], [1]]);
  });
});
