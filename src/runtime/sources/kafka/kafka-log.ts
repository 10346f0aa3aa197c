/**
 * kafkajs' log entries as the engine's log lines. kafkajs logs every error response at ERROR,
 * also the ones it retries by itself: a fresh broker's first join answers "The group coordinator
 * is not available" (the __consumer_offsets topic is being created) and the join is retried, so
 * an operator (and a test asserting no error) saw an error where nothing failed. A condition the
 * client retries is a warning; what it gives up on (a crash, an error it does not retry) stays an
 * error.
 */
import { createRequire } from 'node:module';
import { logLevel, type LogEntry } from 'kafkajs';
import type { Logger } from '../../ops/log.js';

const REPEAT_WINDOW_MS = 10_000;

/** kafkajs' table of protocol errors (code, message, retriable): not exported by its typings. */
interface ProtocolErrorInfo {
  message: string;
  retriable: boolean;
}

function retriableMessages(): Set<string> {
  try {
    const table = (createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as { errorCodes?: ProtocolErrorInfo[] }).errorCodes ?? [];
    return new Set(table.filter((e) => e.retriable).map((e) => e.message));
  } catch {
    // The internal path moved: the retries a fresh broker or a leader election causes.
    return new Set([
      'The group coordinator is not available',
      'The coordinator is loading and hence can\'t process requests for this group',
      'This is not the correct coordinator for this group', 'This server does not host this topic-partition',
      'There is no leader for this topic-partition as we are in the middle of a leadership election',
      'This server is not the leader for that topic-partition', 'The request timed out',
    ]);
  }
}

const RETRIABLE = retriableMessages();

// Lines kafkajs writes when it is about to try again: its consumer restarting after a retriable
// crash, a seed broker it could not reach (the next one is tried), a connection error or timeout
// (KafkaJSConnectionError is retriable), a member the coordinator forgot (it rejoins).
const RETRYING = /^(Restarting the consumer in \d+ms|Failed to connect to seed broker, trying another broker|Connection error: |Connection timeout$|The coordinator is not aware of this member, re-joining the group)/;

export type MappedLevel = 'info' | 'warn' | 'error';

/** The engine's level for one kafkajs entry. */
export function kafkaEntryLevel(level: logLevel, log: { message?: unknown; error?: unknown }): MappedLevel {
  if (level > logLevel.ERROR) return level >= logLevel.INFO ? 'info' : 'warn';
  const error = typeof log.error === 'string' ? log.error : '';
  // "The group is rebalancing" is routine (a member joined or left): the consumer rejoins.
  if (/group is rebalancing/.test(error)) return 'info';
  if (RETRIABLE.has(error) || RETRYING.test(String(log.message ?? ''))) return 'warn';
  return 'error';
}

/** undefined: suppress this line; else how many identical lines were suppressed before it. */
function repeatCounter(): (key: string) => number | undefined {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (key) => {
    const now = Date.now();
    const s = seen.get(key);
    if (s !== undefined && now - s.at < REPEAT_WINDOW_MS) {
      s.suppressed++;
      return undefined;
    }
    if (seen.size > 1000) seen.clear();
    seen.set(key, { at: now, suppressed: 0 });
    return s?.suppressed ?? 0;
  };
}

/** kafkajs' logCreator writing to the engine's logger. */
export function kafkaLogCreator(log: Logger): () => (entry: LogEntry) => void {
  const repeats = repeatCounter();
  return () => ({ namespace, level, log: entry }) => {
    const { message, ...extra } = entry;
    // While a broker restarts, kafkajs repeats the same line many times a second: one per
    // REPEAT_WINDOW_MS, the next one saying how many were left out.
    const repeated = repeats(`${level}|${namespace}|${String(message)}`);
    if (repeated === undefined) return;
    const fields: Record<string, unknown> = { namespace, ...extra };
    if (repeated > 0) fields.repeated = repeated;
    log[kafkaEntryLevel(level, entry)](`kafka: ${String(message)}`, fields);
  };
}
