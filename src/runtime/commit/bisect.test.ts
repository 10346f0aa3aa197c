import { describe, expect, it } from 'vitest';
import { bisect } from './bisect.js';
import { DataError } from './errors.js';

/** A fake unit commit: refuses any unit holding a bad item unless it is set aside alone. */
function fakeDatabase(bad: Set<number>) {
  const committed: number[] = [];
  const setAside: Array<[number, string]> = [];
  let attempts = 0;
  const attempt = async (items: number[], rejected: DataError | undefined): Promise<void> => {
    attempts++;
    if (rejected !== undefined) {
      setAside.push([items[0] as number, rejected.message]);
      return;
    }
    const at = items.find((i) => bad.has(i));
    if (at !== undefined) throw new DataError(`value ${at} too long`);
    committed.push(...items);
  };
  return { attempt, committed, setAside, attempts: () => attempts };
}

describe('bisect', () => {
  it('commits a good unit in one attempt', async () => {
    const db = fakeDatabase(new Set());
    await bisect([1, 2, 3, 4], db.attempt);
    expect(db.committed).toEqual([1, 2, 3, 4]);
    expect(db.attempts()).toBe(1);
  });

  it('sets aside the item at fault alone, with the refusal, and commits the rest in sequence', async () => {
    const db = fakeDatabase(new Set([5]));
    await bisect([1, 2, 3, 4, 5, 6, 7, 8], db.attempt);
    expect(db.committed).toEqual([1, 2, 3, 4, 6, 7, 8]);
    expect(db.setAside).toEqual([[5, 'value 5 too long']]);
    // 1 whole + halves [1-4] ok, [5-8] refused → [5,6] refused, [7,8] ok → [5] refused, [6] ok → [5] set aside.
    expect(db.attempts()).toBe(8);
  });

  it('finds several items at fault, first half first', async () => {
    const db = fakeDatabase(new Set([1, 7]));
    await bisect([1, 2, 3, 4, 5, 6, 7], db.attempt);
    expect(db.committed).toEqual([2, 3, 4, 5, 6]);
    expect(db.setAside.map(([i]) => i)).toEqual([1, 7]);
  });

  it('splits an odd unit with the larger half first', async () => {
    const seen: number[][] = [];
    await bisect([1, 2, 3], async (items, rejected) => {
      seen.push(items);
      if (rejected === undefined && items.length > 1) throw new DataError('no');
    });
    expect(seen.slice(0, 3)).toEqual([[1, 2, 3], [1, 2], [1]]);
  });

  it('does nothing for no items', async () => {
    const db = fakeDatabase(new Set());
    await bisect([], db.attempt);
    expect(db.attempts()).toBe(0);
  });

  it('lets any other error through without splitting', async () => {
    let attempts = 0;
    const boom = new Error('connection lost');
    await expect(bisect([1, 2, 3, 4], async () => { attempts++; throw boom; })).rejects.toBe(boom);
    expect(attempts).toBe(1);
  });
});
