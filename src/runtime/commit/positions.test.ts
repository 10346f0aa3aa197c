import { describe, expect, it } from 'vitest';
import { checkGaps, movePositions, posKey, spans, unapplied } from './positions.js';
import { GapError, PositionsChangedError } from './errors.js';
import { engineSql } from '../../sql/engine-sql.js';
import type { Statement } from '../../sql/statement.js';
import type { Tx } from '../sinks/sink.js';
import type { RawMessage } from '../apply/message.js';

const m = (topic: string, partition: number, offset: number): RawMessage => ({ topic, partition, offset, key: null, value: null });
const AT = '2026-01-01 00:00:00.000';

describe('spans', () => {
  it('gives each partition its lowest offset and one past its highest, whatever the sequence', () => {
    const out = spans([m('a', 0, 5), m('a', 0, 6), m('b', 1, 9), m('a', 0, 3), m('b', 1, 8)]);
    expect([...out]).toEqual([
      [posKey('a', 0), { topic: 'a', partition: 0, first: 3, next: 7 }],
      [posKey('b', 1), { topic: 'b', partition: 1, first: 8, next: 10 }],
    ]);
  });
});

describe('unapplied', () => {
  it('drops the offsets below each partition\'s stored position; a partition with none keeps all', () => {
    const stored = new Map([[posKey('a', 0), 6]]);
    const batch = [m('a', 0, 4), m('a', 0, 5), m('a', 0, 6), m('b', 0, 0), m('a', 0, 7)];
    expect(unapplied(batch, stored)).toEqual([m('a', 0, 6), m('b', 0, 0), m('a', 0, 7)]);
  });
});

describe('checkGaps', () => {
  const never = () => false;
  it('refuses a batch that starts past the stored position, or past the start where none is stored', () => {
    expect(() => checkGaps([m('a', 0, 10)], new Map([[posKey('a', 0), 8]]), new Map(), never)).toThrow(GapError);
    expect(() => checkGaps([m('a', 0, 10)], new Map(), new Map([[posKey('a', 0), 9]]), never)).toThrow(/starts at offset 10, the stored position is 9/);
  });

  it('lets through a batch that starts at or before the expected offset, an unplaced partition, and a gap Kafka made', () => {
    const stored = new Map([[posKey('a', 0), 8]]);
    checkGaps([m('a', 0, 8), m('a', 0, 12)], stored, new Map(), never);
    checkGaps([m('b', 0, 100)], stored, new Map(), never);
    const asked: Array<[string, number, number]> = [];
    checkGaps([m('a', 0, 10)], stored, new Map(), (t, p, e) => { asked.push([t, p, e]); return true; });
    expect(asked).toEqual([['a', 0, 8]]);
  });
});

describe('movePositions', () => {
  function fakeTx(affected: number, fail?: unknown) {
    const sent: Statement[] = [];
    const tx: Tx = {
      async exec(s) { sent.push(s); if (fail !== undefined) throw fail; return affected; },
      async query() { return []; },
    };
    return { tx, sent };
  }
  const engine = engineSql('sqlite');
  const batch = [m('a', 0, 5), m('a', 0, 6)];

  it('moves a known position from the value read, and inserts one where none was read', async () => {
    const { tx, sent } = fakeTx(1);
    await movePositions(tx, engine, 'g', [...batch, m('b', 2, 0)], new Map([[posKey('a', 0), 5]]), AT);
    expect(sent).toEqual([engine.movePosition({ group: 'g', topic: 'a', partition: 0, nextOffset: 7, at: AT }, 5), engine.insertPosition({ group: 'g', topic: 'b', partition: 2, nextOffset: 1, at: AT })]);
  });

  it('rolls the unit back when the stored row is not the one read', async () => {
    await expect(movePositions(fakeTx(0).tx, engine, 'g', batch, new Map([[posKey('a', 0), 5]]), AT)).rejects.toEqual(new PositionsChangedError('a', 0, 5));
    const dup = Object.assign(new Error('UNIQUE constraint failed'), { code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    await expect(movePositions(fakeTx(1, dup).tx, engine, 'g', batch, new Map(), AT)).rejects.toBeInstanceOf(PositionsChangedError);
    const lost = new Error('connection lost');
    await expect(movePositions(fakeTx(1, lost).tx, engine, 'g', batch, new Map(), AT)).rejects.toBe(lost);
  });
});
