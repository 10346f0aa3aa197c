/**
 * Which answers are retried and how long to wait: connection errors and timeouts always, the
 * statuses the output lists (default 408, 429, 5xx); exponential backoff with jitter, and a
 * server's Retry-After when it asks for longer.
 */
import type { HttpOutputDef } from '../../../compile/plan.js';

export type RetryPolicy = HttpOutputDef['retry'];

/** Retry-After waits longer than this are cut to it (a misconfigured server must not park a batch for days). */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

export function isRetriedStatus(status: number, statuses: readonly string[]): boolean {
  const s = String(status);
  return statuses.some((x) => x === s || (x.endsWith('xx') && x[0] === s[0]));
}

export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

/**
 * The wait before retry number `retry` (0 = the first retry): base · multiplier^retry, capped at
 * max_delay, with "equal jitter" (half fixed, half random) so clients that failed together do not
 * come back together; `random` is injectable for tests.
 */
export function backoffMs(retry: number, p: RetryPolicy, random: () => number = Math.random): number {
  const exp = Math.min(p.maxDelayMs, p.baseMs * p.multiplier ** retry);
  return Math.round(exp / 2 + random() * (exp / 2));
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null | undefined, now: number): number | undefined {
  if (header === null || header === undefined || header.trim() === '') return undefined;
  const t = header.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.min(MAX_RETRY_AFTER_MS, Math.round(Number(t) * 1000));
  const at = Date.parse(t);
  if (Number.isNaN(at)) return undefined;
  return Math.min(MAX_RETRY_AFTER_MS, Math.max(0, at - now));
}

/** The wait before a retry: the backoff, or the server's Retry-After when that is longer. */
export function retryDelayMs(retry: number, p: RetryPolicy, retryAfterMs: number | undefined, random?: () => number): number {
  const b = backoffMs(retry, p, random);
  return retryAfterMs !== undefined && retryAfterMs > b ? retryAfterMs : b;
}
