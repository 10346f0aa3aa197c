/**
 * What a Kafka batch does around the database's transaction: its heartbeats (whose errors must
 * never fail the database work) and committing its offsets once the database has committed.
 */
import type { Logger } from '../../ops/log.js';

/** The errors after which kafkajs rejoins the group (kafkajs src/errors.js, isRebalancing). */
export function isRebalancing(e: unknown): boolean {
  const type = (e as { type?: unknown } | null)?.type;
  return type === 'REBALANCE_IN_PROGRESS' || type === 'NOT_COORDINATOR_FOR_GROUP' || type === 'ILLEGAL_GENERATION';
}

/** At most one 'heartbeat failed' warning per group in this many ms; the others are counted in the next. */
const HEARTBEAT_WARN_EVERY_MS = 10_000;

/**
 * The processor heartbeats between statements; while the broker is away each one fails, and a
 * broker restart once gave ~430 identical warnings in 3 s. One line per interval, with a count.
 */
export function heartbeatWarner(log: Logger, group: string): (e: unknown) => void {
  let lastHeartbeatWarn = 0;
  let suppressedHeartbeatWarns = 0;
  return (e) => {
    const now = Date.now();
    if (now - lastHeartbeatWarn < HEARTBEAT_WARN_EVERY_MS) {
      suppressedHeartbeatWarns++;
      return;
    }
    log.warn('heartbeat failed (will try again)', { group, error: e instanceof Error ? e.message : String(e), ...(suppressedHeartbeatWarns > 0 ? { repeated: suppressedHeartbeatWarns } : {}) });
    lastHeartbeatWarn = now;
    suppressedHeartbeatWarns = 0;
  };
}

/** The part of kafkajs' EachBatchPayload that commits (only consumer.ts imports kafkajs' types). */
export interface BatchOffsets {
  commitOffsetsIfNecessary(offsets: { topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }> }): Promise<void>;
}

/**
 * Commit a partition's next offset through the batch: `consumer.commitOffsets` silently does
 * nothing once the consumer is stopping, and a graceful stop must leave Kafka where the database is.
 */
export async function commit(p: BatchOffsets, topic: string, partition: number, next: number): Promise<void> {
  const offsets = { topics: [{ topic, partitions: [{ partition, offset: String(next) }] }] };
  // Unlike consumer.commitOffsets this path has no retrier of its own: retry what kafkajs marks
  // retriable (coordinator moving, say) a few times. A rebalance error goes up to kafkajs, which
  // rejoins; the database position then makes the next owner skip what was applied.
  for (let attempt = 0; ; attempt++) {
    try {
      await p.commitOffsetsIfNecessary(offsets);
      return;
    } catch (e) {
      if (attempt >= 4 || isRebalancing(e) || (e as { retriable?: unknown }).retriable !== true) throw e;
      await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
    }
  }
}
