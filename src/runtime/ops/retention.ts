/**
 * Processed-events retention: event ids older than the retention are deleted in bounded chunks
 * (short transactions, no long lock on the table) until none is left, then again every interval.
 * An event redelivered after its id was pruned would apply again, so the retention must exceed
 * the longest redelivery a source can make (Kafka's retention of the topics, a replay).
 */
import { sqlNow } from '../../sql/engine-sql.js';
import type { Sink } from '../sinks/sink.js';

export const PRUNE_CHUNK = 10_000;

/** Delete processed ids older than `retentionMs`; resolves to the number deleted. */
export async function pruneProcessed(sink: Sink, retentionMs: number, stopping: () => boolean = () => false, chunk = PRUNE_CHUNK): Promise<number> {
  const before = sqlNow(new Date(Date.now() - retentionMs));
  let total = 0;
  for (;;) {
    if (stopping()) return total;
    const n = await sink.transaction((tx) => tx.exec(sink.engine.pruneProcessed(before, chunk)));
    total += n;
    if (n < chunk) return total;
  }
}
