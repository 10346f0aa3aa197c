/**
 * Issue 17, item 1: a version guard must compare versions of one entity. A ride table guarded by
 * the ride's `entity_version` also takes a rider's event (`rider.rated`, another entity, with its
 * own version 7): before the fix the rider's version was written onto the ride and the ride's next
 * event dropped as stale. The spec variants, the stream and the rows each variant must leave; the
 * unit test runs it on SQLite, the integration test on MariaDB.
 */
import type { Plan } from '../../src/compile/plan.js';
import { silentLogger } from '../../src/runtime/ops/log.js';
import type { RawMessage } from '../../src/runtime/apply/message.js';
import { GroupProcessor } from '../../src/runtime/commit/processor.js';
import { groupRoutes } from '../../src/runtime/apply/routes.js';
import type { Sink } from '../../src/runtime/sinks/sink.js';
import { newStats, type GroupStats } from '../../src/runtime/ops/stats.js';
import { TABLE_DEAD_LETTERS } from '../../src/runtime/outputs/dead-letters/index.js';

/** How `rider.rated` updates the ride: as the issue wrote it, with the ride's version, or unguarded. */
export type RatedVariant = 'original' | 'version' | 'unguarded';

const RATED: Record<RatedVariant, string> = {
  original: '{ update: rides, where: { ride_id: $.data.ride_id }, set: { rating: $.data.stars } }',
  version: '{ update: rides, where: { ride_id: $.data.ride_id }, set: { rating: $.data.stars }, version: $.data.ride_version }',
  unguarded: '{ update: rides, where: { ride_id: $.data.ride_id }, set: { rating: $.data.stars }, guard: false }',
};

/** The line of the `rider.rated` operation in every variant (for located diagnostics). */
export const RATED_LINE = 18;

export function guardSpec(variant: RatedVariant): string {
  return `projection: rides
group: g
topics: [rides]
tables:
  rides:
    key: [ride_id]
    version: entity_version
    columns:
      ride_id: { type: string, length: 16 }
      status: { type: string, length: 16 }
      rating: { type: int, nullable: true }
on:
  ride.requested: [ { insert: rides, set: { ride_id: $.entity_id, status: requested } } ]
  ride.completed: [ { update: rides, set: { status: completed } } ]
  # Another entity's events that carry the ride's version: an insert and a delete guarded by it.
  rider.booked: [ { insert: rides, set: { ride_id: $.data.ride_id, status: booked }, version: $.data.ride_version } ]
  rider.cancelled: [ { delete: rides, where: { ride_id: $.data.ride_id }, version: $.data.ride_version } ]
  rider.rated: [ ${RATED[variant]} ]
`;
}

const event = (id: string, type: string, entity: string, version: number, data: Record<string, unknown> = {}) =>
  ({ event_type: type, event_id: id, timestamp: '2026-01-05T10:00:00Z', entity_id: entity, entity_version: version, data });

/**
 * The three events (the rating carries the ride's version 2, so the ride's completion is
 * its version 3), a stale rating (ride version 2 again), and ride r2 booked, cancelled at a stale
 * ride version (kept) and cancelled at a newer one (deleted). Riders u9 and u8 have their own versions.
 */
export const GUARD_EVENTS = [
  event('e1', 'ride.requested', 'r1', 1),
  event('e2', 'rider.rated', 'u9', 7, { ride_id: 'r1', stars: 5, ride_version: 2 }),
  event('e3', 'ride.completed', 'r1', 3),
  event('e4', 'rider.rated', 'u9', 8, { ride_id: 'r1', stars: 1, ride_version: 2 }),
  event('e5', 'rider.booked', 'u8', 4, { ride_id: 'r2', ride_version: 1 }),
  event('e6', 'rider.cancelled', 'u8', 5, { ride_id: 'r2', ride_version: 1 }),
  event('e7', 'rider.cancelled', 'u8', 9, { ride_id: 'r2', ride_version: 2 }),
];

/** The rows each runnable variant leaves: the ride keeps its own versions. */
export const GUARD_EXPECTED: Record<Exclude<RatedVariant, 'original'>, Array<Record<string, unknown>>> = {
  // The stale rating (ride version 2 after the ride's 3) is skipped.
  version: [{ ride_id: 'r1', status: 'completed', rating: 5, entity_version: 3 }],
  // Unguarded, both ratings apply and neither touches the ride's version.
  unguarded: [{ ride_id: 'r1', status: 'completed', rating: 1, entity_version: 3 }],
};

/** Apply the stream, one batch or one message a batch. */
export async function runGuardScenario(sink: Sink, plan: Plan, maxBatch?: number): Promise<GroupStats> {
  const stats = newStats();
  const p = new GroupProcessor({ sink, routes: groupRoutes(plan, 'g'), deadLetters: TABLE_DEAD_LETTERS, stats, log: silentLogger, maxBatch });
  const messages: RawMessage[] = GUARD_EVENTS.map((e, i) => ({ topic: 'rides', partition: 0, offset: i, key: null, value: Buffer.from(JSON.stringify(e)) }));
  await p.process(messages);
  return stats;
}
