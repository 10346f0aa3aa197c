/**
 * The one loop: a source's batches applied to the groups that take their messages. `run` (from
 * Kafka and from files), both builds of a rebuild and `sc-project test` apply batches through
 * here, so a fix to how a batch is applied reaches all of them at once.
 */
import type { RawMessage } from './apply/message.js';
import type { GroupRoutes } from './apply/routes.js';
import { StoppedError, type GroupProcessor, type ProcessorHooks } from './commit/processor.js';
import { SpecChangedError } from './lifecycle/spec-watch.js';
import type { GroupStats } from './ops/stats.js';
import type { Batch, BatchOutcome, OnBatch, Source } from './sources/source.js';

/** What drive needs of a group (engine.ts builds the real ones; tests give fakes). */
export interface DriveGroup {
  routes: Pick<GroupRoutes, 'accepts'>;
  processor: Pick<GroupProcessor, 'process'>;
}

export interface DriveOptions<G extends DriveGroup> {
  /** Checked before each group's part of a batch, and the processor's default stop between units. */
  stopping: () => boolean;
  /** A per-partition bound: messages at or past it are not applied (a rebuild's shadow stays behind the live group). */
  limit?: (g: G, topic: string, partition: number) => number | undefined;
  /** The group's own hooks for a batch (a file run records its source in each transaction). */
  hooks?: (g: G, batch: Batch) => ProcessorHooks;
  /**
   * A transaction found the group's stored spec fingerprints changed (nothing of it was written):
   * reload the group (its processor is replaced), then its part of the batch is applied again.
   * Without it, SpecChangedError goes to the source (Kafka restarts the group's consumer).
   */
  reload?: (g: G, e: SpecChangedError) => Promise<void>;
  /** After each batch applied to every group (progress, the file position reached). */
  applied?: (batch: Batch) => void;
}

/** The per-batch function: each group's share of the batch, in the groups' sequence. */
export function applier<G extends DriveGroup>(groups: G[], o: DriveOptions<G>): OnBatch {
  return async (batch: Batch): Promise<BatchOutcome> => {
    for (const g of groups) {
      if (o.stopping()) return 'stopped';
      const mine = share(g, batch.messages, o.limit);
      for (;;) {
        try {
          await g.processor.process(mine, { stopping: o.stopping, ...batch.hooks, ...o.hooks?.(g, batch) });
          break;
        } catch (e) {
          // Stopped between units or while waiting to retry: what committed stays committed.
          if (e instanceof StoppedError) return 'stopped';
          if (!(e instanceof SpecChangedError) || o.reload === undefined) throw e;
          // The reloaded group's processor reads the positions again and skips what committed.
          await o.reload(g, e);
        }
      }
    }
    o.applied?.(batch);
    return 'applied';
  };
}

/** Run `source` to its end (or a stop) through one applier; 'stopped' when a batch was cut short. */
export async function drive<G extends DriveGroup>(source: Source, groups: G[], signal: AbortSignal, o: DriveOptions<G>): Promise<BatchOutcome> {
  const apply = applier(groups, o);
  let outcome: BatchOutcome = 'applied';
  await source.run(async (batch) => {
    outcome = await apply(batch);
    return outcome;
  }, signal);
  return outcome;
}

/**
 * For a file run that must first read the prefix its positions were recorded from: whether a
 * message still needs applying by some group; ones a group applied before count as such.
 */
export function notYetApplied(groups: Array<DriveGroup & { processor: Pick<GroupProcessor, 'knownPosition'>; stats: GroupStats }>): (m: RawMessage) => boolean {
  return (m) => {
    let needed = false;
    for (const g of groups) {
      if (!g.routes.accepts(m)) continue;
      if (m.offset >= (g.processor.knownPosition(m.topic, m.partition) ?? 0)) needed = true;
      else g.stats.alreadyApplied++;
    }
    return needed;
  };
}

function share<G extends DriveGroup>(g: G, messages: RawMessage[], limit: DriveOptions<G>['limit']): RawMessage[] {
  if (limit === undefined) return messages.filter((m) => g.routes.accepts(m));
  return messages.filter((m) => g.routes.accepts(m) && m.offset < (limit(g, m.topic, m.partition) ?? Number.MAX_SAFE_INTEGER));
}
