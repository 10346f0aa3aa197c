/**
 * Steps outside a batch that talk to Kafka or the database (subscribing, placing the partitions
 * of an assignment) meet the same passing trouble batches do: a topic created a moment ago whose
 * metadata has not reached the broker answering ("This server does not host this
 * topic-partition"), a leader election, a dropped connection. kafkajs retries some of these and
 * then gives up; one such error at start-up or at a rebalance must not stop the engine. Retry
 * what is transient with backoff, for a while, one warning a try; give up (throw) on anything
 * else, on a stop, or after `giveUpAfterMs`.
 */
import type { Logger } from '../ops/log.js';
import { backoffDelay, classify, sleep } from './retry.js';
import { raceAbort } from '../stop-signal.js';

export interface TransientRetryOptions {
  log: Logger;
  /** Fields of each warning (group, …). */
  fields?: Record<string, unknown>;
  /** The run's stop: no retry once it aborted, and a wait to retry ends at once. */
  signal?: AbortSignal;
  /** Also stop retrying when this says so (a newer assignment replaced this one's placement). */
  abandoned?: () => boolean;
  /** Errors that must not be retried whatever their class. */
  fatal?: (e: unknown) => boolean;
  giveUpAfterMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  now?: () => number;
  wait?: (ms: number) => Promise<void>;
}

/** kafkajs wraps the last error of its own retries (KafkaJSNumberOfRetriesExceeded) in `cause`. */
export function isTransient(e: unknown): boolean {
  for (let x: unknown = e, depth = 0; x !== undefined && x !== null && depth < 4; x = (x as { cause?: unknown }).cause, depth++) {
    if (classify(x) === 'transient') return true;
  }
  return false;
}

export async function retryTransient<T>(step: string, fn: () => Promise<T>, o: TransientRetryOptions): Promise<T> {
  const now = o.now ?? Date.now;
  const wait = o.wait ?? sleep;
  const started = now();
  const giveUpAfterMs = o.giveUpAfterMs ?? 120_000;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (o.fatal?.(e) === true || !isTransient(e) || o.signal?.aborted === true || o.abandoned?.() === true) throw e;
      if (now() - started >= giveUpAfterMs) throw e;
      const ms = backoffDelay(attempt, o.backoff ?? { initialMs: 250, maxMs: 5_000 });
      o.log.warn(`${step} failed (will try again)`, { ...o.fields, attempt: attempt + 1, retry_in_ms: ms, error: e instanceof Error ? e.message : String(e) });
      await (o.signal === undefined ? wait(ms) : raceAbort(step, wait(ms), o.signal));
    }
  }
}
