/**
 * Retrying a unit's transaction until it commits. What an error means is retry.ts's `classify`;
 * this module decides what the processor does with it (`decide`, pure) and runs the loop
 * (`retrying`): transient errors wait with backoff and try again, for as long as it takes (the
 * engine never skips a unit it could not write); a data error becomes DataError, for bisect.ts;
 * anything else stops the group (FatalError). The clock is injected, so the loop is tested
 * without a database and without waiting.
 */
import { LockWaitError } from '../sinks/sink.js';
import { SpecChangedError } from '../lifecycle/spec-watch.js';
import { backoffDelay, classify, sleep, DEFAULT_BACKOFF, type Backoff } from './retry.js';
import type { Logger } from '../ops/log.js';
import type { BatchObserver } from '../ops/metrics.js';
import { DataError, FatalError, PositionsChangedError, StoppedError } from './errors.js';

/** What a failed attempt leads to. */
export type Decision =
  /** Not an error of the database: the caller's to handle (PositionsChangedError, SpecChangedError). */
  | { do: 'throw' }
  | { do: 'data' }
  | { do: 'fatal' }
  /** Wait `delayMs`, then try again; `swap`: the wait is for a rebuild's swap, not an outage. */
  | { do: 'wait'; delayMs: number; swap: boolean };

/** What to do after attempt number `attempt` (0 the first) failed with `e`. */
export function decide(e: unknown, attempt: number, backoff: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): Decision {
  if (e instanceof PositionsChangedError || e instanceof SpecChangedError) return { do: 'throw' };
  const kind = classify(e);
  if (kind === 'data') return { do: 'data' };
  if (kind === 'fatal') return { do: 'fatal' };
  return { do: 'wait', delayMs: backoffDelay(attempt, backoff, random), swap: e instanceof LockWaitError };
}

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now(), sleep };

/** What the loop reports to, built once per processor (never per unit). */
export interface RetryContext {
  group: string;
  log: Logger;
  stats: { retries: number };
  observer?: Pick<BatchObserver, 'unavailable'>;
  backoff?: Backoff;
  clock?: Clock;
  random?: () => number;
}

/** Called while waiting: the Kafka session's heartbeat, and whether the runtime is stopping. */
export interface WaitHooks {
  heartbeat?: () => Promise<void>;
  stopping?: () => boolean;
}

/**
 * Run fn until it succeeds: transient errors wait and retry, data errors surface as DataError.
 * `what` names the work for logs and errors; it is only built when one is written.
 */
export async function retrying<T>(ctx: RetryContext, hooks: WaitHooks, what: () => string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      const out = await fn();
      if (attempt > 0) ctx.observer?.unavailable(false);
      return out;
    } catch (e) {
      const next = decide(e, attempt, ctx.backoff, ctx.random);
      if (next.do === 'throw') throw e;
      const message = e instanceof Error ? e.message : String(e);
      if (next.do === 'data') throw new DataError(message);
      if (next.do === 'fatal') throw new FatalError(`group ${ctx.group}: ${what()} failed: ${message}`, e);
      ctx.stats.retries++;
      // Waiting out a swap is not the database being down (readiness, metrics).
      if (!next.swap) ctx.observer?.unavailable(true);
      if (e instanceof LockWaitError) ctx.log.info('waiting for a rebuild\'s swap (the partition lock is held), retrying', { group: ctx.group, what: what(), attempt: attempt + 1, delay_ms: next.delayMs, lock_timeout_s: e.timeoutS });
      else ctx.log.warn('database unavailable, retrying', { group: ctx.group, what: what(), attempt: attempt + 1, delay_ms: next.delayMs, error: message });
      await pause(next.delayMs, hooks, ctx.clock ?? SYSTEM_CLOCK);
    }
  }
}

/** Wait ms, a second at a time, keeping the Kafka session alive; StoppedError if the runtime stops. */
export async function pause(ms: number, hooks: WaitHooks, clock: Clock = SYSTEM_CLOCK): Promise<void> {
  const until = clock.now() + ms;
  while (clock.now() < until) {
    if (hooks.stopping?.()) throw new StoppedError();
    await clock.sleep(Math.min(1000, until - clock.now()));
    await hooks.heartbeat?.().catch(() => undefined);
  }
  if (hooks.stopping?.()) throw new StoppedError();
}
