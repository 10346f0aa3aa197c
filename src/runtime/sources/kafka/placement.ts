/**
 * Where each assigned partition of a group starts: the database's stored position is the truth,
 * both ways, whatever Kafka has committed for the group.
 * - no stored position: the partition's earliest offset (`--start-from latest`: its end, stored at
 *   once so a restart starts there too);
 * - stored behind Kafka's committed offset (a database restored from a backup): the stored one,
 *   and the gap is applied again;
 * - stored ahead (a crash between the database commit and the Kafka commit): the stored one;
 * - stored beyond the partition's end (the topic deleted and recreated) or below its start (history
 *   deleted by retention before this group applied it): the group stops, saying what happened and
 *   what to do. Nothing is ever skipped silently.
 * Each case logs one line per partition.
 */
import { fetchCommitted } from './committed.js';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from '../../ops/log.js';
import type { GroupProcessor } from '../../commit/processor.js';

export type StartFrom = 'earliest' | 'latest';

export interface PlacementOptions {
  kafka: Kafka;
  consumer: Consumer;
  group: string;
  assignment: Record<string, number[]>;
  processor: GroupProcessor;
  log: Logger;
  startFrom: StartFrom;
  acceptHistoryGap: boolean;
}

/** A stored position Kafka cannot serve: the group must stop. */
export class PositionOutOfRangeError extends Error {}

export type Placement =
  | { case: 'none'; offset: number }
  | { case: 'resume' | 'behind-kafka' | 'ahead-of-kafka'; offset: number }
  | { case: 'beyond-end' | 'below-start'; offset: number };

/** The decision for one partition (pure: stored position, Kafka's committed offset, the partition's range). */
export function placement(stored: number | undefined, committed: number | undefined, low: number, high: number, startFrom: StartFrom): Placement {
  if (stored === undefined) return { case: 'none', offset: startFrom === 'latest' ? high : low };
  if (stored > high) return { case: 'beyond-end', offset: stored };
  if (stored < low) return { case: 'below-start', offset: stored };
  // Kafka has nothing committed (-1) for a partition the database has applied: the crash window
  // between the two commits, or the group deleted in Kafka.
  const kafka = committed === undefined || committed < 0 ? 0 : committed;
  if (kafka === stored) return { case: 'resume', offset: stored };
  return { case: kafka > stored ? 'behind-kafka' : 'ahead-of-kafka', offset: stored };
}

export async function placePartitions(o: PlacementOptions): Promise<void> {
  const { kafka, consumer, group, processor, log } = o;
  const topics = Object.keys(o.assignment).filter((t) => (o.assignment[t] ?? []).length > 0);
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const committed = new Map<string, number>();
    for (const t of await fetchCommitted(admin, group, topics)) {
      for (const p of t.partitions) committed.set(`${t.topic}/${p.partition}`, Number(p.offset));
    }
    for (const topic of topics) {
      const range = new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, { low: Number(p.low), high: Number(p.high) }]));
      for (const partition of o.assignment[topic] ?? []) {
        const r = range.get(partition) ?? { low: 0, high: 0 };
        const stored = await processor.positionOf(topic, partition);
        const kafkaNext = committed.get(`${topic}/${partition}`);
        const at = placement(stored, kafkaNext, r.low, r.high, o.startFrom);
        const fields = { group, topic, partition, database: stored ?? null, kafka: kafkaNext !== undefined && kafkaNext >= 0 ? kafkaNext : null, earliest: r.low, end: r.high };
        let offset = at.offset;
        switch (at.case) {
          case 'none':
            log.info(`no stored position: starting from the ${o.startFrom} offset`, { ...fields, offset });
            if (o.startFrom === 'latest') await processor.initPosition(topic, partition, offset);
            else processor.setStart(topic, partition, offset);
            break;
          case 'resume':
            log.info('resuming from the stored position', { ...fields, offset });
            break;
          case 'behind-kafka':
            log.info('database position behind Kafka (database restored?): re-applying from the stored position', { ...fields, offset, gap: (kafkaNext ?? 0) - offset });
            break;
          case 'ahead-of-kafka':
            log.info('database position ahead of Kafka: seeking', fields);
            break;
          case 'beyond-end':
            throw new PositionOutOfRangeError(`group ${group}: the stored position ${stored} of ${topic}/${partition} is beyond the partition's end (${r.high}): the topic was deleted and recreated, or the database belongs to another Kafka cluster. Nothing was skipped; the group stops. To build the tables from the new topic, rebuild the group's projections (sc-project rebuild <projection>) or run the group on a fresh database.`);
          case 'below-start':
            if (!o.acceptHistoryGap) {
              throw new PositionOutOfRangeError(`group ${group}: the stored position ${stored} of ${topic}/${partition} is below the partition's earliest offset (${r.low}): messages ${stored}–${r.low - 1} were deleted (retention) before this group applied them. Nothing was skipped; the group stops. To accept the loss and continue from offset ${r.low}, run once with --accept-history-gap; to make the tables whole, restore the topic's history and rebuild.`);
            }
            offset = r.low;
            log.warn('stored position below the earliest offset: continuing from the earliest offset (--accept-history-gap)', { ...fields, offset, lost: r.low - (stored ?? 0) });
            processor.setStart(topic, partition, offset);
            await processor.initPosition(topic, partition, offset);
            break;
        }
        consumer.seek({ topic, partition, offset: String(offset) });
      }
    }
  } finally {
    await admin.disconnect();
  }
}
