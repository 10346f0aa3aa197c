/**
 * Consumer lag the way this engine defines it: a partition's end offset (high watermark) minus
 * the next offset stored in the database with the rows. Kafka's committed offset may trail the
 * database after a crash; the database is the truth, so lag is measured against it.
 */
import type { Admin } from 'kafkajs';
import type { PartitionLag } from './metrics.js';

export interface PartitionEnds {
  topic: string;
  partition: number;
  /** Low watermark: the first offset still in the log. */
  low: number;
  /** High watermark: the offset the next message will get. */
  end: number;
}

/** Lag of every partition of the group's topics; a partition with no stored position yet lags from its low watermark (a new group reads from the beginning). */
export function computeLag(group: string, ends: PartitionEnds[], stored: ReadonlyMap<string, number>): PartitionLag[] {
  return ends.map((e) => {
    const s = stored.get(partitionKey(e.topic, e.partition));
    return { group, topic: e.topic, partition: e.partition, end: e.end, stored: s, lag: Math.max(0, e.end - Math.max(s ?? e.low, e.low)) };
  }).sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

export const partitionKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** The watermarks of every partition of the topics. */
export async function partitionEnds(admin: Admin, topics: string[]): Promise<PartitionEnds[]> {
  const out: PartitionEnds[] = [];
  for (const topic of [...new Set(topics)]) {
    for (const p of await admin.fetchTopicOffsets(topic)) out.push({ topic, partition: p.partition, low: Number(p.low), end: Number(p.high) });
  }
  return out;
}

/** Stored positions as the lag computation keys them, from rows of `selectPositions`. */
export function storedMap(rows: Array<Record<string, unknown>>): Map<string, number> {
  return new Map(rows.map((r) => [partitionKey(String(r.topic), Number(r.partition)), Number(r.next_offset)]));
}
