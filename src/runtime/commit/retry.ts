/**
 * Which database errors are worth retrying, and the backoff between tries.
 * - transient: the database or the connection is unwell (lost connection, deadlock, lock wait
 *   timeout, server shutting down); retry the whole batch after a pause, never skip it.
 * - data: this batch holds a value the table rejects (too long, out of range, wrong type); retrying
 *   cannot help, so the batch is split until the event at fault is found and dead-lettered.
 * - fatal: the schema or the permissions are wrong; stop rather than dead-letter every event.
 */
export type ErrorClass = 'transient' | 'data' | 'fatal';

import { ALL_DIALECTS } from '../../sql/dialects/index.js';

/**
 * Errors of no database driver: the network (Node's codes), the engine's own, and kafkajs'.
 * Each driver's own codes are its dialect's (sql/dialects/<d>/errors.ts).
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // A pool closed under a unit (a connection lost while the pool was being replaced).
  'POOL_CLOSED',
  // Another consumer committed the same event ids first (a rebalance overlap): retry, and the
  // retry finds them processed.
  'SC_CLAIM_CONFLICT',
  // A rebuild's swap holds the partition's lock (sink.ts LockWaitError): wait for it like an outage.
  'SC_SWAP_LOCK_WAIT',
]);

export function classify(err: unknown): ErrorClass {
  if (typeof err !== 'object' || err === null) return 'fatal';
  const e = err as { code?: unknown; message?: unknown; retriable?: unknown };
  if (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code)) return 'transient';
  for (const d of ALL_DIALECTS) {
    const kind = d.errors.classify(err);
    if (kind !== undefined) return kind;
  }
  // kafkajs marks the errors worth retrying (src/errors.js `retriable`).
  if (e.retriable === true) return 'transient';
  // An exact sum that does not fit its column (sql/numeric.ts), MariaDB's 1264 on SQLite.
  if (e.code === 'SC_OUT_OF_RANGE') return 'data';
  if (typeof e.message === 'string' && /malformed JSON|bad JSON path|JSON path/i.test(e.message)) return 'data';
  return 'fatal';
}

/** A key already taken, in any database's words (sql/dialects/<d>/errors.ts). */
export function isDuplicateKey(e: unknown): boolean {
  return typeof e === 'object' && e !== null && ALL_DIALECTS.some((d) => d.errors.isDuplicateKey(e));
}

export interface Backoff {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { initialMs: 200, maxMs: 30_000 };

/** Exponential backoff with full jitter (delay is uniform in [0, min(max, initial·2^attempt)]). */
export function backoffDelay(attempt: number, b: Backoff = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.initialMs * 2 ** Math.min(attempt, 20));
  return Math.max(b.initialMs / 2, Math.round(random() * ceiling));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
