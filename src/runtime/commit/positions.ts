/**
 * Positions: per consumer group and partition, the next offset to apply, stored in the same
 * transaction as the rows (the database, not Kafka's committed offset, is the truth after a
 * crash). This module holds the pure part (which offsets a batch spans, which messages are
 * already applied, whether a batch would skip some) and the move of the positions inside a
 * unit's transaction, which rolls the unit back when the stored row is not what was read.
 */
import type { EngineSql } from '../../sql/engine-sql.js';
import type { Tx } from '../sinks/sink.js';
import type { RawMessage } from '../apply/message.js';
import { isDuplicateKey } from './retry.js';
import { GapError, PositionsChangedError } from './errors.js';

/** The key of a partition in the position maps. */
export const posKey = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

export interface PartitionSpan {
  topic: string;
  partition: number;
  /** The lowest offset of the partition among the messages. */
  first: number;
  /** One past the highest: the position the partition moves to. */
  next: number;
}

/**
 * Per partition (by posKey), the offsets the messages span. Messages come in runs of one
 * partition (a Kafka batch is one), so the key is built once per run, not once per message.
 */
export function spans(messages: RawMessage[]): Map<string, PartitionSpan> {
  const out = new Map<string, PartitionSpan>();
  let cur: PartitionSpan | undefined;
  for (const m of messages) {
    if (cur === undefined || cur.topic !== m.topic || cur.partition !== m.partition) {
      const k = posKey(m.topic, m.partition);
      cur = out.get(k);
      if (cur === undefined) {
        cur = { topic: m.topic, partition: m.partition, first: m.offset, next: m.offset + 1 };
        out.set(k, cur);
      }
    }
    if (m.offset < cur.first) cur.first = m.offset;
    if (m.offset + 1 > cur.next) cur.next = m.offset + 1;
  }
  return out;
}

/**
 * Refuse (GapError) a batch that starts past a partition's expected next offset, the stored one
 * or, where none is stored, where the consumer placed it, unless `gapAllowed` says the gap is
 * Kafka's own (ProcessorHooks.gapAllowed).
 */
export function checkGaps(messages: RawMessage[], stored: Map<string, number>, starts: Map<string, number>, gapAllowed: (topic: string, partition: number, expected: number) => boolean): void {
  for (const [k, span] of spans(messages)) {
    const expected = stored.get(k) ?? starts.get(k);
    if (expected === undefined || span.first <= expected) continue;
    if (!gapAllowed(span.topic, span.partition, expected)) throw new GapError(span.topic, span.partition, expected, span.first);
  }
}

/**
 * The messages at or past their partition's stored position. Offsets below it were committed to
 * the database before a crash or a rebalance, even if Kafka's committed offset lags behind. A
 * Kafka batch is one partition, so the position is looked up per run of one partition, not per
 * message.
 */
export function unapplied(messages: RawMessage[], stored: Map<string, number>): RawMessage[] {
  let runTopic: string | undefined;
  let runPartition = -1;
  let runFrom = 0;
  return messages.filter((m) => {
    if (m.topic !== runTopic || m.partition !== runPartition) {
      runTopic = m.topic;
      runPartition = m.partition;
      runFrom = stored.get(posKey(m.topic, m.partition)) ?? 0;
    }
    return m.offset >= runFrom;
  });
}

/**
 * In a unit's transaction: move each partition from the value `known` holds (what this processor
 * read), or insert it where it read none. If the row is not what was read, the whole unit rolls
 * back (PositionsChangedError).
 */
export async function movePositions(tx: Tx, engine: Pick<EngineSql, 'insertPosition' | 'movePosition'>, group: string, messages: RawMessage[], known: Map<string, number>, at: string): Promise<void> {
  for (const [k, { topic, partition, next }] of spans(messages)) {
    const row = { group, topic, partition, nextOffset: next, at };
    const expected = known.get(k);
    if (expected === undefined) {
      try {
        await tx.exec(engine.insertPosition(row));
      } catch (e) {
        if (isDuplicateKey(e)) throw new PositionsChangedError(topic, row.partition, undefined);
        throw e;
      }
    } else if ((await tx.exec(engine.movePosition(row, expected))) !== 1) {
      throw new PositionsChangedError(topic, row.partition, expected);
    }
  }
}
