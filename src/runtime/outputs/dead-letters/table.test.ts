/**
 * The sc_dead_letters implementation without a database: it sends nothing before the
 * transaction and writes every letter's row inside it, in INSERTs that fit the statement limit.
 */
import { describe, expect, it } from 'vitest';
import type { Statement } from '../../../sql/statement.js';
import { sinkParts, type Sink, type Tx } from '../../sinks/sink.js';
import { TABLE_DEAD_LETTERS } from './table.js';
import type { DeadLetter } from './sink.js';

const letter = (offset: number, value: Buffer): DeadLetter => ({
  msg: { topic: 't', partition: 0, offset, key: null, value }, group: 'g', projection: 'p', eventType: 'x.y', reason: 'bad',
});

/** A transaction that records its statements; a sink of the given statement limit around it. */
function recording(maxStatementBytes?: number): { tx: Tx; sink: Sink; statements: Statement[] } {
  const statements: Statement[] = [];
  const tx: Tx = { exec: async (s) => (statements.push(s), 1), query: async () => [] };
  const sink: Sink = { ...sinkParts('sqlite'), returning: true, ...(maxStatementBytes !== undefined ? { maxStatementBytes } : {}), transaction: (fn) => fn(tx, {}), close: async () => undefined };
  return { tx, sink, statements };
}

describe('TABLE_DEAD_LETTERS', () => {
  it('sends nothing before the transaction', async () => {
    const sent = new Set<DeadLetter['msg']>();
    await TABLE_DEAD_LETTERS.send([letter(1, Buffer.from('{}'))], sent);
    expect(sent.size).toBe(0);
  });

  it('writes one row per letter in the transaction', async () => {
    const { tx, sink, statements } = recording();
    await TABLE_DEAD_LETTERS.write(tx, sink, [letter(1, Buffer.from('{}')), letter(2, Buffer.from('[]'))]);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.sql).toMatch(/^INSERT .*sc_dead_letters/);
    // Ten columns per row: offsets 1 and 2, values in base64.
    expect(statements[0]?.params).toHaveLength(20);
    expect(statements[0]?.params).toContain(Buffer.from('[]').toString('base64'));
  });

  it('cuts a value larger than a statement takes and splits the INSERTs under the limit', async () => {
    const { tx, sink, statements } = recording(10_000);
    await TABLE_DEAD_LETTERS.write(tx, sink, [letter(1, Buffer.alloc(20_000, 'v')), letter(2, Buffer.alloc(3_000, 'w'))]);
    expect(statements).toHaveLength(2);
    const reasons = statements.flatMap((s) => s.params).filter((p): p is string => typeof p === 'string' && p.startsWith('x.y: bad'));
    expect(reasons[0]).toMatch(/\[value cut: kept the first 4428 of 20000 bytes/);
    expect(reasons[1]).toBe('x.y: bad');
  });
});
