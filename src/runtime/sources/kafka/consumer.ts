/**
 * One kafkajs consumer per consumer group, eachBatch with auto-resolve and auto-commit off. A
 * batch is committed to the database first (effects, processed ids and positions in one
 * transaction) and only then to Kafka, so Kafka's committed offset is never ahead of the
 * database. The database's positions are the truth both ways: on every assignment each partition
 * is placed where the database says (placement.ts), whatever Kafka has committed, and the
 * processor refuses a batch that starts past that place (a fetch that raced the seek).
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { RawMessage } from '../../apply/message.js';
import { rawMessage } from './headers.js';
import { GapError, PositionsChangedError, StoppedError, type GroupProcessor } from '../../commit/processor.js';
import { placePartitions, type StartFrom } from './placement.js';
import type { Logger } from '../../ops/log.js';
import type { OnBatch } from '../source.js';
import { raceAbort, settleWithin } from '../../stop-signal.js';
import { commit, heartbeatWarner, isRebalancing } from './batch-commit.js';
import { SpecChangedError } from '../../lifecycle/spec-watch.js';
import { retryTransient } from '../../commit/transient.js';
import { NO_TEST_HOOKS, type TestHooks } from '../../test-hooks.js';

export const DEFAULT_CONCURRENCY = 2;
const FETCH_BYTES = 1536 * 1024;
const FETCH_PARTITION_BYTES = 384 * 1024;

export interface GroupConsumerHandle {
  consumer: Consumer;
  lag: Map<string, number>;
  /**
   * Stop gracefully: no new batch starts, the batch in flight ends after its current unit (or
   * rolls back if it waits to retry) and commits its offsets, then the consumer leaves the group.
   * kafkajs' own disconnect does not wait for a batch in flight, and once stopping it drops
   * offset commits made through the consumer.
   */
  stop(): Promise<void>;
}

export interface GroupConsumerOptions {
  sessionTimeoutMs?: number;
  concurrency?: number;
  /** Where a partition with no stored position starts (default earliest). */
  startFrom?: StartFrom;
  /** Continue from a partition's earliest offset when retention deleted messages never applied. */
  acceptHistoryGap?: boolean;
  /**
   * The runtime's stop: connecting and the first join (which waits out a killed member's
   * session, or retries an unreachable broker for minutes) are raced against it, and the consumer
   * is disconnected at once (StopRequestedError) instead of being waited for.
   */
  signal?: AbortSignal;
  /**
   * A transaction found the group's stored spec fingerprints changed (a rebuild swapped its
   * tables): nothing of it was written, and this consumer starts no further batch. The runtime
   * reloads the specs and starts the group again, or stops (without it: a fatal error).
   */
  onSpecChanged?: (e: SpecChangedError) => void;
  /**
   * A per-partition upper bound (a rebuild's shadow never passes the live group): messages at or
   * past `limit(topic, partition)` are not applied; the partition pauses and is fetched again from
   * the first of them after `limitRetryMs` (default 500). undefined: no bound.
   */
  limit?: (topic: string, partition: number) => number | undefined;
  limitRetryMs?: number;
  /** Test-only crash points (default: none); `afterDbCommit` runs between the two commits. */
  testHooks?: TestHooks;
}

/** How long a disconnect (leaving the group) may take before a stop goes on without it. */
const DISCONNECT_WAIT_MS = 2500;
/**
 * The same before the first join ended. kafkajs' disconnect waits for the requests in flight
 * (network/connection.js waitForPendingRequests), and a JoinGroup waits until every member of
 * the group rejoined or its session expired: there is nothing to wait for, nothing was consumed.
 */
const JOINING_DISCONNECT_WAIT_MS = 500;

/**
 * `processor` places the partitions (its stored positions); `onBatch` applies each batch
 * (drive.ts: the same per-batch function as every other source). What is Kafka's own stays here:
 * the bound's hold-back, seeking back on a gap, placing again when positions changed, committing
 * the offsets once the database has.
 */
export async function startGroupConsumer(kafka: Kafka, group: string, topics: string[], processor: GroupProcessor, onBatch: OnBatch, log: Logger, onFatal: (e: unknown) => void, o: GroupConsumerOptions = {}): Promise<GroupConsumerHandle> {
  const sessionTimeoutMs = o.sessionTimeoutMs ?? 30_000;
  // Memory is bounded by the fetch size, not by the lag: one fetch holds at most FETCH_BYTES of
  // messages (FETCH_PARTITION_BYTES a partition), and the next fetch waits for the batches
  // (peak RSS 283 MB draining 1 M messages of lag in bench/).
  const consumer = kafka.consumer({ groupId: group, sessionTimeout: sessionTimeoutMs, heartbeatInterval: Math.max(1000, Math.floor(sessionTimeoutMs / 10)), maxBytes: FETCH_BYTES, maxBytesPerPartition: FETCH_PARTITION_BYTES, maxWaitTimeInMs: 200, retry: {
    retries: 10,
    // kafkajs restarts a crashed consumer on its own; never once a stop was asked for (a join
    // cut short by the disconnect crashes it, and the restart would reconnect behind the stop).
    restartOnFailure: async () => !stopAsked(),
  } });
  const lag = new Map<string, number>();
  const heartbeatWarning = heartbeatWarner(log, group);
  let stopRequested = false; // this consumer's own stop: its stop(), or a reload's
  const stopAsked = (): boolean => stopRequested || o.signal?.aborted === true; // or the run's
  let active = 0;
  const idle: Array<() => void> = [];
  const race = <T>(step: string, p: Promise<T>): Promise<T> => (o.signal === undefined ? p : raceAbort(step, p, o.signal));
  // Batches wait for the placement of the current assignment: no batch of a partition is
  // applied before the partition was placed where the database says.
  let placed: Promise<void> = Promise.resolve();
  // A transient error while placing (a topic's metadata not yet on the broker answering, a
  // connection dropped) is retried; a newer placement (a rebalance) abandons this one. A position
  // Kafka cannot serve stops the group (PositionOutOfRangeError is not transient).
  let placements = 0;
  const place = (assignment: Record<string, number[]>): Promise<void> => {
    const mine = ++placements;
    return retryTransient('placing the partitions', () => placePartitions({ kafka, consumer, group, assignment, processor, log, startFrom: o.startFrom ?? 'earliest', acceptHistoryGap: o.acceptHistoryGap === true }), {
      log, fields: { group }, ...(o.signal !== undefined ? { signal: o.signal } : {}), abandoned: () => mine !== placements || stopRequested,
    }).catch((e: unknown) => {
      // Superseded while it waited to try again: the newer assignment's placement decides.
      if (mine !== placements && !stopRequested) {
        log.info('placement superseded by a newer assignment', { group, error: e instanceof Error ? e.message : String(e) });
        return;
      }
      throw e;
    });
  };
  // A placement failing once a stop was asked for (the pool closing under it) is not the group's error.
  const placementFailed = (e: unknown): void => {
    if (stopAsked()) {
      log.info('placement abandoned: stopping', { group, error: e instanceof Error ? e.message : String(e) });
      return;
    }
    stopRequested = true;
    onFatal(e);
  };
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    // A join that completes after the stop was asked for reads no positions (the pool may be closing).
    if (stopAsked()) return;
    processor.resetPositions();
    placed = place(payload.memberAssignment).catch(placementFailed);
  });
  const disconnect = async (joined: boolean): Promise<void> => {
    stopRequested = true;
    // A placement in flight reads the database: let it end before the pool closes (bounded: its
    // admin client may be retrying an unreachable broker).
    await settleWithin(placed, DISCONNECT_WAIT_MS);
    const waitMs = joined ? DISCONNECT_WAIT_MS : JOINING_DISCONNECT_WAIT_MS;
    if (await settleWithin(consumer.disconnect(), waitMs)) return;
    const fields = { group, waited_ms: waitMs };
    if (joined) log.warn('the consumer did not disconnect in time: stopping without it (its session expires on the broker)', fields);
    else log.info('stopped before the group was joined: not waiting for the join request in flight (the member\'s session expires on the broker)', fields);
  };
  try {
    await race('connecting to Kafka', consumer.connect());
    // Topics created a moment ago (or by another client) may not be in every broker's metadata yet.
    await race('subscribing', retryTransient('subscribing', () => consumer.subscribe({ topics, fromBeginning: true }), { log, fields: { group }, ...(o.signal !== undefined ? { signal: o.signal } : {}) }));
    await race('joining the group', consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    // By default two partitions of a group at once: one batch's JavaScript runs while the other's
    // statements run in the database (+30 % events/s in bench/; three gained nothing and added
    // lock waits). Sequence holds per partition, as Kafka gives it; two transactions on one row
    // wait for each other, and a deadlock between them is retried like any transient error.
    partitionsConsumedConcurrently: o.concurrency ?? DEFAULT_CONCURRENCY,
    eachBatch: async (p: EachBatchPayload) => {
      if (stopRequested || p.batch.messages.length === 0) return;
      await placed;
      if (stopRequested || p.isStale()) return;
      active++;
      try {
        await handleBatch(p);
      } finally {
        active--;
        if (active === 0) for (const w of idle.splice(0)) w();
      }
    },
    }));
  } catch (e) {
    // Asked to stop (or failed) before the first join ended: nothing ran a batch yet.
    await disconnect(false);
    throw e;
  }
  return {
    consumer,
    lag,
    async stop() {
      stopRequested = true;
      if (active > 0) await new Promise<void>((resolve) => idle.push(resolve));
      await disconnect(true);
      log.info('consumer stopped', { group });
    },
  };

  /**
   * Leave a partition's messages from `offset` on for later (the bound): pause it, so it is not
   * fetched in a busy loop, and resume it from there after a while. Nothing past it is resolved
   * or committed.
   */
  function holdBack(topic: string, partition: number, offset: number): void {
    consumer.pause([{ topic, partitions: [partition] }]);
    consumer.seek({ topic, partition, offset: String(offset) });
    const t = setTimeout(() => { if (!stopRequested) consumer.resume([{ topic, partitions: [partition] }]); }, o.limitRetryMs ?? 500);
    t.unref();
  }

  async function handleBatch(p: EachBatchPayload): Promise<void> {
    const { batch } = p;
    let messages: RawMessage[] = batch.messages.map((m) => rawMessage(batch.topic, batch.partition, m));
    const bound = o.limit?.(batch.topic, batch.partition);
    let held: number | undefined;
    if (bound !== undefined) {
      const cut = messages.findIndex((m) => m.offset >= bound);
      if (cut >= 0) {
        held = (messages[cut] as RawMessage).offset;
        messages = messages.slice(0, cut);
      }
      if (messages.length === 0) {
        holdBack(batch.topic, batch.partition, held ?? bound);
        return;
      }
    }
    // The processor heartbeats between statements of a long transaction. A heartbeat error is
    // about the group, not the rows, so it must never fail (and with it stop) the database work
    // it is called from: once a rebalance is announced, the batch finishes or stops waiting to
    // retry, and the rebalance error goes back to kafkajs, which rejoins the group
    // (kafkajs src/consumer/runner.js, isRebalancing). What was committed to the database stays
    // committed; its positions make whoever owns the partition next skip it.
    let rebalancing: unknown;
    const heartbeat = async (): Promise<void> => {
      if (rebalancing !== undefined) return;
      try {
        await p.heartbeat();
      } catch (e) {
        if (isRebalancing(e)) rebalancing = e;
        else heartbeatWarning(e);
      }
    };
    // kafkajs keeps the offset a batch was fetched from (src/consumer/batch.js), untyped.
    const fetchedOffset = Number((batch as unknown as { fetchedOffset?: unknown }).fetchedOffset ?? Number.NaN);
    const known = processor.knownPosition(batch.topic, batch.partition);
    if (known !== undefined && Number(batch.highWatermark) < known) {
      // The partition ends before what this group already applied: the topic was deleted and
      // recreated under the running engine. Its new messages would all look already applied.
      const e = new Error(`group ${group}: ${batch.topic}/${batch.partition} now ends at offset ${batch.highWatermark}, below the stored position ${known}: the topic was deleted and recreated. Nothing was skipped; the group stops. Rebuild the group's projections (sc-project rebuild <projection>) or start it on a fresh database.`);
      onFatal(e);
      throw e;
    }
    try {
      const outcome = await onBatch({ messages, hooks: {
        heartbeat, stopping: () => stopRequested || !p.isRunning() || p.isStale() || rebalancing !== undefined,
        // A batch fetched from exactly the expected offset that starts later is Kafka's answer
        // (nothing between: compaction, transaction markers); one fetched from elsewhere (before a
        // seek took effect) is refused.
        gapAllowed: (_topic, _partition, expected) => fetchedOffset === expected,
      } });
      // Cut short between units: handled below as the processor's own StoppedError was.
      if (outcome === 'stopped') throw new StoppedError();
    } catch (e) {
      if (e instanceof GapError) {
        log.info('batch starts past the stored position: seeking back', { group, topic: e.topic, partition: e.partition, first_offset: e.first, database: e.expected });
        consumer.seek({ topic: e.topic, partition: e.partition, offset: String(e.expected) });
        return;
      }
      if (e instanceof PositionsChangedError) {
        // Another writer, or a database restored or replaced under the engine: place the
        // partition again from what the database holds now (reload), never skip.
        log.warn('stored positions changed under the engine: placing the partition again', { group, topic: e.topic, partition: e.partition, expected: e.expected ?? null });
        placed = place({ [e.topic]: [e.partition] }).catch(placementFailed);
        await placed;
        return;
      }
      if (e instanceof SpecChangedError && o.onSpecChanged !== undefined) {
        // The batch stays uncommitted in Kafka; whoever runs the group next places it from the
        // database's positions, which already hold the units committed before.
        stopRequested = true;
        o.onSpecChanged(e);
        return;
      }
      if (e instanceof StoppedError) {
        if (rebalancing !== undefined) throw rebalancing;
        // Stopping, or a seek made the batch stale, between units or while a unit waited to
        // retry. The units that committed to the database are committed to Kafka too (a
        // graceful stop leaves Kafka where the database is); the rest is fetched again. Not an
        // error: throwing would only make kafkajs log one and back off.
        const done = processor.knownPosition(batch.topic, batch.partition);
        log.info('batch stopped before its end', { group, topic: batch.topic, partition: batch.partition, first_offset: (messages[0] as RawMessage).offset, committed_next_offset: done ?? null, reason: stopRequested ? 'stop' : p.isStale() ? 'seek' : 'consumer stopping' });
        if (done !== undefined && done > (messages[0] as RawMessage).offset) {
          await commit(p, batch.topic, batch.partition, done).catch((err: unknown) => log.warn('could not commit offsets while stopping', { group, error: String(err) }));
        }
        return;
      }
      // Transient errors are retried inside; anything else that escapes must stop the runtime.
      onFatal(e);
      throw e;
    }
    (o.testHooks ?? NO_TEST_HOOKS).afterDbCommit(log);
    const last = messages[messages.length - 1] as RawMessage;
    p.resolveOffset(String(last.offset));
    // Kafka's offset names the next message to read, hence + 1.
    await commit(p, batch.topic, batch.partition, last.offset + 1);
    lag.set(`${batch.topic}/${batch.partition}`, Math.max(0, Number(batch.highWatermark) - (last.offset + 1)));
    if (held !== undefined) holdBack(batch.topic, batch.partition, held);
  }
}

